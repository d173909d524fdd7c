import type { Clock } from '@conveyor/core/kit';
import { MinHeap } from './min-heap.js';
import { SampledSet } from './sampled-set.js';
import type {
  BatchFailure,
  BatchRef,
  DeadLetter,
  Peeked,
  PromoteResult,
  SettleResult,
  Storage,
  StorageEncoding,
  StorageIndex,
} from './storage.js';
import type { TubeAddress } from './tube.js';
import type { MemoryStorageOptions } from './memory-storage-options.js';
import { resolveMemoryStorageOptions } from './memory-storage-options.js';

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

interface Deferred {
  readonly at: number;
  readonly sequence: number;
  readonly address: TubeAddress;
  readonly message: unknown;
  readonly key: string;
  readonly ifNotExists: boolean;
}

interface Recurrent {
  readonly address: TubeAddress;
  readonly message: unknown;
  interval: number;
  version: number;
}

interface RecurrentRun {
  readonly at: number;
  readonly key: string;
  readonly version: number;
}

const stale: SettleResult = Object.freeze({ stale: true, removed: 0, failures: 0, deadLettered: 0 });

/**
 * The storage of one process, for workers sharing this instance: the same
 * semantics as the Redis storage (fenced settles, index of non-empty threads,
 * heap-ordered deferred requests, recurrent schedule, dead letters).
 * Equality (`ifNotExists`, recurrent entries) compares JSON forms.
 */
export class MemoryStorage implements Storage<unknown> {
  readonly encoding: StorageEncoding;
  readonly #clock: Clock;
  readonly #tubes = new Map<string, MemoryTube>();
  /** Non-empty tubes of each non-empty thread. */
  readonly #threads = new Map<string, Set<MemoryTube>>();
  readonly #threadIndex = new SampledSet<string>();
  readonly #deferred = new MinHeap<Deferred>((a, b) => a.at < b.at || (a.at === b.at && a.sequence < b.sequence));
  /** `tube\nkey` → how many times it is scheduled, for `ifNotExists`. */
  readonly #deferredKeys = new Map<string, number>();
  #sequence = 0;
  readonly #recurrent = new Map<string, Recurrent>();
  /** Runs in time order; entries of a changed or removed recurrent are skipped by version. */
  readonly #recurrentRuns = new MinHeap<RecurrentRun>((a, b) => a.at < b.at);
  readonly #dead: DeadLetter<unknown>[] = [];

  constructor(options?: MemoryStorageOptions) {
    const resolved = resolveMemoryStorageOptions(options);
    this.encoding = resolved.serialized ? 'text' : 'values';
    this.#clock = resolved.clock;
  }

  async append(address: TubeAddress, messages: readonly unknown[], ifNotExists: boolean): Promise<number> {
    return this.#append(address, messages, ifNotExists);
  }

  async threads(max: number): Promise<string[]> {
    return this.#threadIndex.sample(max);
  }

  async peek(thread: string, max: number): Promise<Peeked<unknown> | undefined> {
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
    };
  }

  async settle(batch: BatchRef, failed: readonly number[] = [], failure?: BatchFailure): Promise<SettleResult> {
    const tube = this.#tubes.get(batch.tube);
    if (tube === undefined || tube.offset !== batch.offset) return stale;
    const count = Math.min(batch.count, tube.items.length - tube.head);
    let kept: unknown[] = [];
    const keptIndexes = new Set<number>();
    for (const index of failed) {
      if (index >= 0 && index < count && !keptIndexes.has(index)) {
        keptIndexes.add(index);
        kept.push(tube.items[tube.head + index]);
      }
    }
    let removed = count - kept.length;
    let failures = 0;
    let deadLettered = 0;
    if (kept.length > 0 && failure !== undefined) {
      const headOffset = tube.offset + removed;
      failures = tube.failures?.offset === headOffset ? tube.failures.count + 1 : 1;
      if (failures >= failure.maxFailures) {
        const at = this.#clock.now();
        for (const message of kept) this.#dead.push({ tube: batch.tube, message, reason: failure.reason, failures, at });
        deadLettered = kept.length;
        removed += kept.length;
        kept = [];
        tube.failures = undefined;
      } else {
        tube.failures = { offset: headOffset, count: failures };
      }
    } else if (removed > 0) {
      tube.failures = undefined;
    }
    if (tube.keys !== undefined) {
      for (let index = 0; index < count; index++)
        if (kept.length === 0 || !keptIndexes.has(index)) this.#forget(tube.keys, tube.items[tube.head + index]);
    }
    // Failed messages go back into the last slots of the batch: still at the head, still in order.
    tube.head += count - kept.length;
    for (let index = 0; index < kept.length; index++) tube.items[tube.head + index] = kept[index];
    tube.offset += removed;
    this.#compact(tube);
    return { stale: false, removed, failures, deadLettered };
  }

  async length(tube: string): Promise<number> {
    const stored = this.#tubes.get(tube);
    return stored === undefined ? 0 : stored.items.length - stored.head;
  }

  async contains(tube: string, message: unknown): Promise<boolean> {
    const stored = this.#tubes.get(tube);
    return stored !== undefined && this.#keysOf(stored).has(this.#key(message));
  }

  async schedule(address: TubeAddress, messages: readonly unknown[], delayMs: number, ifNotExists: boolean): Promise<number> {
    const at = this.#clock.now() + delayMs;
    let scheduled = 0;
    for (const message of messages) {
      const key = `${address.tube}\n${this.#key(message)}`;
      if (ifNotExists && this.#deferredKeys.has(key)) continue;
      this.#deferredKeys.set(key, (this.#deferredKeys.get(key) ?? 0) + 1);
      this.#deferred.push({ at, sequence: ++this.#sequence, address, message, key, ifNotExists });
      scheduled++;
    }
    return scheduled;
  }

  async promoteDeferred(max: number): Promise<PromoteResult> {
    const now = this.#clock.now();
    let due = 0;
    for (let next = this.#deferred.peek(); due < max && next !== undefined && next.at <= now; next = this.#deferred.peek()) {
      this.#deferred.pop();
      const left = (this.#deferredKeys.get(next.key) ?? 1) - 1;
      if (left > 0) this.#deferredKeys.set(next.key, left);
      else this.#deferredKeys.delete(next.key);
      this.#append(next.address, [next.message], next.ifNotExists);
      due++;
    }
    const next = this.#deferred.peek();
    return { due, nextDueIn: next === undefined ? undefined : Math.max(0, next.at - now) };
  }

  async setRecurrent(address: TubeAddress, messages: readonly unknown[], intervalMs: number): Promise<number> {
    const at = this.#clock.now() + intervalMs;
    const byKey = new Map<string, unknown>();
    for (const message of messages) byKey.set(this.#key(message), message);
    const distinct = [...byKey.values()];
    for (const [messageKey, message] of byKey) {
      const key = `${address.tube}\n${messageKey}`;
      const known = this.#recurrent.get(key);
      const entry: Recurrent = known ?? { address, message, interval: intervalMs, version: 0 };
      entry.interval = intervalMs;
      entry.version++;
      this.#recurrent.set(key, entry);
      this.#recurrentRuns.push({ at, key, version: entry.version });
    }
    // The first run is now.
    this.#append(address, distinct, true);
    return distinct.length;
  }

  async unsetRecurrent(address: TubeAddress, messages: readonly unknown[]): Promise<number> {
    let removed = 0;
    for (const message of messages) if (this.#recurrent.delete(`${address.tube}\n${this.#key(message)}`)) removed++;
    return removed;
  }

  async promoteRecurrent(max: number): Promise<PromoteResult> {
    const now = this.#clock.now();
    let due = 0;
    while (due < max) {
      const run = this.#nextRun();
      if (run === undefined || run.at > now) break;
      this.#recurrentRuns.pop();
      const entry = this.#recurrent.get(run.key) as Recurrent;
      this.#append(entry.address, [entry.message], true);
      // Missed runs are not made up in a burst: the next run is one interval from now at the latest.
      let at = run.at + entry.interval;
      if (at <= now) at = now + entry.interval;
      entry.version++;
      this.#recurrentRuns.push({ at, key: run.key, version: entry.version });
      due++;
    }
    const next = this.#nextRun();
    return { due, nextDueIn: next === undefined ? undefined : Math.max(0, next.at - now) };
  }

  async deadLetters(max: number): Promise<DeadLetter<unknown>[]> {
    return this.#dead.slice(0, max);
  }

  async count(index: StorageIndex): Promise<number> {
    switch (index) {
      case 'deferred':
        return this.#deferred.size;
      case 'recurrent':
        return this.#recurrent.size;
      case 'dead':
        return this.#dead.length;
    }
  }

  async clear(): Promise<void> {
    this.#tubes.clear();
    this.#threads.clear();
    this.#threadIndex.clear();
    this.#deferred.clear();
    this.#deferredKeys.clear();
    this.#recurrent.clear();
    this.#recurrentRuns.clear();
    this.#dead.length = 0;
  }

  #append(address: TubeAddress, messages: readonly unknown[], ifNotExists: boolean): number {
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
        const key = this.#key(message);
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

  /** What equality compares: the string itself for serialized messages, the JSON form of values. */
  #key(message: unknown): string {
    if (this.encoding === 'text') return message as string;
    return JSON.stringify(message) ?? String(message);
  }

  #keysOf(tube: MemoryTube): Map<string, number> {
    if (tube.keys === undefined) {
      tube.keys = new Map();
      for (let index = tube.head; index < tube.items.length; index++) this.#remember(tube.keys, tube.items[index]);
    }
    return tube.keys;
  }

  #remember(keys: Map<string, number>, message: unknown): void {
    const key = this.#key(message);
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }

  #forget(keys: Map<string, number>, message: unknown): void {
    const key = this.#key(message);
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

  #nextRun(): RecurrentRun | undefined {
    for (let run = this.#recurrentRuns.peek(); run !== undefined; run = this.#recurrentRuns.peek()) {
      if (this.#recurrent.get(run.key)?.version === run.version) return run;
      this.#recurrentRuns.pop();
    }
    return undefined;
  }
}
