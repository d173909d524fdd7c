/** A set that can hand out a random sample in O(sample): the memory index of non-empty threads. */
export class SampledSet<T> {
  readonly #items: T[] = [];
  readonly #positions = new Map<T, number>();

  get size(): number {
    return this.#items.length;
  }

  has(item: T): boolean {
    return this.#positions.has(item);
  }

  add(item: T): void {
    if (this.#positions.has(item)) return;
    this.#positions.set(item, this.#items.length);
    this.#items.push(item);
  }

  delete(item: T): void {
    const position = this.#positions.get(item);
    if (position === undefined) return;
    const last = this.#items.pop() as T;
    this.#positions.delete(item);
    if (position < this.#items.length) {
      this.#items[position] = last;
      this.#positions.set(last, position);
    }
  }

  /** Up to `max` distinct items in random order. */
  sample(max: number): T[] {
    const items = this.#items;
    if (items.length <= max) return shuffle(items.slice());
    // Rejection sampling: cheap while the sample is small against the set, and every item has the same chance.
    const picked = new Set<T>();
    while (picked.size < max) picked.add(items[Math.floor(Math.random() * items.length)] as T);
    return [...picked];
  }

  clear(): void {
    this.#items.length = 0;
    this.#positions.clear();
  }
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    const swap = items[index] as T;
    items[index] = items[other] as T;
    items[other] = swap;
  }
  return items;
}
