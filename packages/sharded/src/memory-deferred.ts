import { MinHeap } from './min-heap.js';
import type { PromoteResult } from './storage.js';
import type { TubeAddress } from './tube.js';

interface Deferred {
  readonly at: number;
  readonly sequence: number;
  readonly address: TubeAddress;
  readonly message: unknown;
  readonly key: string;
  readonly ifNotExists: boolean;
}

/** What a due entry is handed to: the tubes' append. */
export type Append = (address: TubeAddress, messages: readonly unknown[], ifNotExists: boolean) => number;

/** The deferred requests of the memory storage: a heap by due time, then registration order. */
export class MemoryDeferred {
  readonly #heap = new MinHeap<Deferred>((a, b) => a.at < b.at || (a.at === b.at && a.sequence < b.sequence));
  /** `tube\nkey` → how many times it is scheduled, for `ifNotExists`. */
  readonly #keys = new Map<string, number>();
  readonly #keyOf: (message: unknown) => string;
  #sequence = 0;

  constructor(keyOf: (message: unknown) => string) {
    this.#keyOf = keyOf;
  }

  get size(): number {
    return this.#heap.size;
  }

  /** Schedules messages for `at`; with `ifNotExists`, skips one already scheduled for the tube. */
  schedule(address: TubeAddress, messages: readonly unknown[], at: number, ifNotExists: boolean): number {
    let scheduled = 0;
    for (const message of messages) {
      const key = `${address.tube}\n${this.#keyOf(message)}`;
      if (ifNotExists && this.#keys.has(key)) continue;
      this.#keys.set(key, (this.#keys.get(key) ?? 0) + 1);
      this.#heap.push({ at, sequence: ++this.#sequence, address, message, key, ifNotExists });
      scheduled++;
    }
    return scheduled;
  }

  /** Hands up to `max` entries due at `now` to `append`, in order. */
  promote(now: number, max: number, append: Append): PromoteResult {
    let due = 0;
    for (let next = this.#heap.peek(); due < max && next !== undefined && next.at <= now; next = this.#heap.peek()) {
      this.#heap.pop();
      const left = (this.#keys.get(next.key) ?? 1) - 1;
      if (left > 0) this.#keys.set(next.key, left);
      else this.#keys.delete(next.key);
      append(next.address, [next.message], next.ifNotExists);
      due++;
    }
    const next = this.#heap.peek();
    return { due, nextDueIn: next === undefined ? undefined : Math.max(0, next.at - now) };
  }

  clear(): void {
    this.#heap.clear();
    this.#keys.clear();
  }
}
