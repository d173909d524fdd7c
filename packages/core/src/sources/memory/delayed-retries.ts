/**
 * Failed messages waiting out their backoff, earliest due first (a binary heap;
 * equal due times keep their release order).
 */
export class DelayedRetries<T> {
  #heap: Array<{ readonly dueAt: number; readonly order: number; readonly item: T }> = [];
  #order = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** When the earliest one is due; undefined when none waits. */
  get nextDueAt(): number | undefined {
    return this.#heap[0]?.dueAt;
  }

  add(item: T, dueAt: number): void {
    const heap = this.#heap;
    heap.push({ dueAt, order: this.#order++, item });
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(index, parent)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  /** Every item waiting, in no particular order (for inspection). */
  *items(): IterableIterator<T> {
    for (const entry of this.#heap) yield entry.item;
  }

  /** Removes and returns every item due at `now`, in due order. */
  takeDue(now: number): T[] {
    const due: T[] = [];
    while (this.#heap.length > 0 && (this.#heap[0]?.dueAt ?? Number.POSITIVE_INFINITY) <= now) due.push(this.#pop());
    return due;
  }

  #pop(): T {
    const heap = this.#heap;
    const top = heap[0] as (typeof heap)[number];
    const last = heap.pop() as (typeof heap)[number];
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && this.#before(left, smallest)) smallest = left;
        if (right < heap.length && this.#before(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.#swap(index, smallest);
        index = smallest;
      }
    }
    return top.item;
  }

  #before(a: number, b: number): boolean {
    const x = this.#heap[a] as { dueAt: number; order: number };
    const y = this.#heap[b] as { dueAt: number; order: number };
    return x.dueAt < y.dueAt || (x.dueAt === y.dueAt && x.order < y.order);
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    [heap[a], heap[b]] = [heap[b] as (typeof heap)[number], heap[a] as (typeof heap)[number]];
  }
}
