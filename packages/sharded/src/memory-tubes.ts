import { SampledSet } from './sampled-set.js';
import type { BatchFailure, BatchRef, DeadLetter, Peeked, SettleResult } from './storage.js';
import type { TubeAddress } from './tube.js';

interface MemoryTube {
  readonly address: TubeAddress;
  rank: number;
  items: unknown[];
  head: number;
  /** Equality keys of the waiting items and their counts; built on the first `ifNotExists`, kept up to date after. */
  keys: Map<string, number> | undefined;
  /** Messages ever removed: the fence of `settle()`. */
  offset: number;
  /** Failed attempts of the batch at `failures.offset`. */
  failures: { readonly offset: number; readonly count: number } | undefined;
}

const stale: SettleResult = Object.freeze({ stale: true, removed: 0, failures: 0, deadLettered: 0 });

/** Membership in a list of indexes (a set beyond a few). */
function isIn(indexes: readonly number[]): (index: number) => boolean {
  if (indexes.length <= 8) return (index) => indexes.includes(index);
  const set = new Set(indexes);
  return (index) => set.has(index);
}

/**
 * The tubes of the memory storage: waiting messages by tube, the index of
 * non-empty threads (sampled for a fair choice), fenced settles with failure
 * counts, and the equality keys `ifNotExists` compares.
 */
export class MemoryTubes {
  readonly #tubes = new Map<string, MemoryTube>();
  /** Non-empty tubes of each non-empty thread. */
  readonly #threads = new Map<string, Set<MemoryTube>>();
  readonly #threadIndex = new SampledSet<string>();
  readonly #keyOf: (message: unknown) => string;
  readonly #dead: DeadLetter<unknown>[];
  readonly #now: () => number;

  /** `keyOf`: what equality compares; `dead`: where dead letters go; `now`: the time a dead letter is stamped with. */
  constructor(keyOf: (message: unknown) => string, dead: DeadLetter<unknown>[], now: () => number) {
    this.#keyOf = keyOf;
    this.#dead = dead;
    this.#now = now;
  }

  append(address: TubeAddress, messages: readonly unknown[], ifNotExists: boolean): number {
    let tube = this.#tubes.get(address.tube);
    if (tube === undefined) {
      tube = { address, rank: address.rank, items: [], head: 0, keys: undefined, offset: 0, failures: undefined };
      this.#tubes.set(address.tube, tube);
    }
    tube.rank = address.rank;
    const items = tube.items;
    const before = items.length;
    if (!ifNotExists) {
      for (let index = 0; index < messages.length; index++) items.push(messages[index]);
      if (tube.keys !== undefined) for (const message of messages) this.#remember(tube.keys, message);
    } else {
      const keys = this.#keysOf(tube);
      for (const message of messages) {
        const key = this.#keyOf(message);
        if (keys.has(key)) continue;
        keys.set(key, 1);
        items.push(message);
      }
    }
    const added = items.length - before;
    if (added > 0 && before === tube.head) {
      let tubes = this.#threads.get(address.thread);
      if (tubes === undefined) {
        this.#threads.set(address.thread, (tubes = new Set()));
        this.#threadIndex.add(address.thread);
      }
      tubes.add(tube);
    }
    return added;
  }

  threads(max: number): string[] {
    return this.#threadIndex.sample(max);
  }

  peek(thread: string, max: number): Peeked<unknown> | undefined {
    const tubes = this.#threads.get(thread);
    if (tubes === undefined) return undefined;
    let best: MemoryTube | undefined;
    for (const tube of tubes) if (best === undefined || tube.rank > best.rank) best = tube;
    if (best === undefined) return undefined;
    return {
      tube: best.address.tube,
      thread,
      offset: best.offset,
      messages: best.items.slice(best.head, best.head + max),
      failures: best.failures?.offset === best.offset ? best.failures.count : 0,
    };
  }

  settle(batch: BatchRef, failed: readonly number[], failure: BatchFailure | undefined): SettleResult {
    const tube = this.#tubes.get(batch.tube);
    if (tube === undefined || tube.offset !== batch.offset) return stale;
    const count = Math.min(batch.count, tube.items.length - tube.head);
    // Indexes of the batch that stay at the head, ascending.
    let staying = failed.length === 0 ? [] : [...new Set(failed)].filter((index) => index >= 0 && index < count).sort((a, b) => a - b);
    const charged = failure === undefined ? [] : staying.filter(isIn(failure.charged ?? staying));
    let removed = count - staying.length;
    let failures = 0;
    let deadLettered = 0;
    if (failure !== undefined && charged.length > 0) {
      const headOffset = tube.offset + removed;
      failures = tube.failures?.offset === headOffset ? tube.failures.count + 1 : 1;
      if (failures >= failure.maxFailures) {
        const at = this.#now();
        for (const index of charged) {
          this.#dead.push({ tube: batch.tube, message: tube.items[tube.head + index], reason: failure.reason, failures, at });
        }
        deadLettered = charged.length;
        removed += deadLettered;
        staying = staying.filter((index) => !isIn(charged)(index));
        tube.failures = undefined;
      } else {
        tube.failures = { offset: headOffset, count: failures };
      }
    } else if (removed > 0) {
      tube.failures = undefined;
    }
    const kept = staying.map((index) => tube.items[tube.head + index]);
    if (tube.keys !== undefined) {
      const stays = isIn(staying);
      for (let index = 0; index < count; index++) if (!stays(index)) this.#forget(tube.keys, tube.items[tube.head + index]);
    }
    // Failed messages go back into the last slots of the batch: still at the head, still in order.
    // The slots left behind let go of their messages now, not at the next compaction (a deep tube would keep as many).
    tube.items.fill(undefined, tube.head, tube.head + count - kept.length);
    tube.head += count - kept.length;
    for (let index = 0; index < kept.length; index++) tube.items[tube.head + index] = kept[index];
    tube.offset += removed;
    this.#compact(tube);
    return { stale: false, removed, failures, deadLettered };
  }

  length(tube: string): number {
    const stored = this.#tubes.get(tube);
    return stored === undefined ? 0 : stored.items.length - stored.head;
  }

  contains(tube: string, message: unknown): boolean {
    const stored = this.#tubes.get(tube);
    return stored !== undefined && this.#keysOf(stored).has(this.#keyOf(message));
  }

  clear(): void {
    this.#tubes.clear();
    this.#threads.clear();
    this.#threadIndex.clear();
  }

  #keysOf(tube: MemoryTube): Map<string, number> {
    if (tube.keys === undefined) {
      tube.keys = new Map();
      for (let index = tube.head; index < tube.items.length; index++) this.#remember(tube.keys, tube.items[index]);
    }
    return tube.keys;
  }

  #remember(keys: Map<string, number>, message: unknown): void {
    const key = this.#keyOf(message);
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }

  #forget(keys: Map<string, number>, message: unknown): void {
    const key = this.#keyOf(message);
    const left = (keys.get(key) ?? 1) - 1;
    if (left > 0) keys.set(key, left);
    else keys.delete(key);
  }

  #compact(tube: MemoryTube): void {
    if (tube.head === tube.items.length) {
      tube.items = [];
      tube.head = 0;
      tube.keys = undefined;
      const tubes = this.#threads.get(tube.address.thread);
      tubes?.delete(tube);
      if (tubes !== undefined && tubes.size === 0) {
        this.#threads.delete(tube.address.thread);
        this.#threadIndex.delete(tube.address.thread);
      }
    } else if (tube.head > 4096 && tube.head * 2 > tube.items.length) {
      tube.items = tube.items.slice(tube.head);
      tube.head = 0;
    }
  }
}
