import type { Delivery } from './delivery.js';

/**
 * Deliveries pushed by the broker and not handed out yet, and what may be handed
 * out next. `FifoBacklog` hands out in arrival order; `KeyedBacklog` (ordered
 * mode) one delivery per key at a time.
 */
export interface Backlog<T> {
  /** Deliveries kept (waiting, and in ordered mode held for a retry). */
  readonly size: number;
  /** Whether `take()` would return something now. */
  readonly ready: boolean;
  push(delivery: Delivery<T>): void;
  /** Up to `max` deliveries to hand out. */
  take(max: number): Delivery<T>[];
  /** A handed-out delivery is settled for good (acked, dead-lettered, nacked). */
  settled(delivery: Delivery<T>): void;
  /** A handed-out delivery comes back to be handed out again, before anything later of its key (once: a delivery not out is left alone). */
  putBack(delivery: Delivery<T>): void;
  /** Whether `delivery` is out: handed out, or held for its retry, and not put back or settled since. */
  isOut(delivery: Delivery<T>): boolean;
  /** Drops everything (its channel closed: the broker delivers it all again); returns what was kept. */
  clear(): Delivery<T>[];
}

/** Arrival order; nothing is put back (unordered mode nacks releases to the broker). */
export class FifoBacklog<T> implements Backlog<T> {
  #items: Delivery<T>[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  get ready(): boolean {
    return this.size > 0;
  }

  push(delivery: Delivery<T>): void {
    this.#items.push(delivery);
  }

  take(max: number): Delivery<T>[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const taken = this.#items.slice(this.#head, end);
    // Handed out: the backlog lets go of them (content and body) once they are settled, not when it next empties.
    this.#items.fill(undefined as unknown as Delivery<T>, this.#head, end);
    this.#head = end;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  settled(): void {}

  /** Unordered mode does not track what is out: every open delivery is. */
  isOut(): boolean {
    return true;
  }

  putBack(delivery: Delivery<T>): void {
    // Unordered mode never puts back; should it, the delivery goes first.
    this.#items.splice(this.#head, 0, delivery);
  }

  clear(): Delivery<T>[] {
    const kept = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return kept;
  }
}

/**
 * Ordered mode: each key's deliveries in arrival order, and at most one of a key
 * handed out at a time. A key is *busy* from the hand-out of its head until that
 * delivery is settled or put back; a failed head that waits for its retry is not
 * in the backlog at all, so its key stays busy through the backoff.
 */
export class KeyedBacklog<T> implements Backlog<T> {
  readonly #lanes = new Map<string, Delivery<T>[]>();
  /** Keys with a delivery out (handed out, or held for its retry), and that delivery. */
  readonly #busy = new Map<string, Delivery<T>>();
  /** Keys with a waiting head and not busy, in the order they became so. */
  readonly #readyKeys = new Set<string>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get ready(): boolean {
    return this.#readyKeys.size > 0;
  }

  push(delivery: Delivery<T>): void {
    const key = delivery.key ?? '';
    const lane = this.#lanes.get(key);
    if (lane === undefined) this.#lanes.set(key, [delivery]);
    else lane.push(delivery);
    this.#size++;
    if (!this.#busy.has(key)) this.#readyKeys.add(key);
  }

  take(max: number): Delivery<T>[] {
    const taken: Delivery<T>[] = [];
    for (const key of this.#readyKeys) {
      if (taken.length >= max) break;
      this.#readyKeys.delete(key);
      const lane = this.#lanes.get(key) as Delivery<T>[];
      taken.push(lane.shift() as Delivery<T>);
      if (lane.length === 0) this.#lanes.delete(key);
      this.#size--;
      this.#busy.set(key, taken[taken.length - 1] as Delivery<T>);
    }
    return taken;
  }

  settled(delivery: Delivery<T>): void {
    const key = delivery.key ?? '';
    // Only the delivery that holds its key frees it (one dead-lettered on receipt never held it).
    if (this.#busy.get(key) !== delivery) return;
    this.#busy.delete(key);
    if (this.#lanes.has(key)) this.#readyKeys.add(key);
  }

  isOut(delivery: Delivery<T>): boolean {
    return this.#busy.get(delivery.key ?? '') === delivery;
  }

  putBack(delivery: Delivery<T>): void {
    const key = delivery.key ?? '';
    // Only the delivery out for its key comes back, once (a second put back would hand it out twice).
    if (this.#busy.get(key) !== delivery) return;
    const lane = this.#lanes.get(key);
    if (lane === undefined) this.#lanes.set(key, [delivery]);
    else lane.unshift(delivery);
    this.#size++;
    this.#busy.delete(key);
    this.#readyKeys.add(key);
  }

  clear(): Delivery<T>[] {
    const kept = [...this.#lanes.values()].flat();
    this.#lanes.clear();
    this.#busy.clear();
    this.#readyKeys.clear();
    this.#size = 0;
    return kept;
  }
}
