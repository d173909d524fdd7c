import type { Append } from './memory-deferred.js';
import { MinHeap } from './min-heap.js';
import type { PromoteResult } from './storage.js';
import type { TubeAddress } from './tube.js';

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

/** The recurrent schedule of the memory storage: entries by tube and message, their runs in a heap by time. */
export class MemoryRecurrent {
  readonly #entries = new Map<string, Recurrent>();
  /** Runs in time order; entries of a changed or removed recurrent are skipped by version. */
  readonly #runs = new MinHeap<RecurrentRun>((a, b) => a.at < b.at);
  readonly #keyOf: (message: unknown) => string;

  constructor(keyOf: (message: unknown) => string) {
    this.#keyOf = keyOf;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Registers (or re-registers, changing the interval) distinct messages; their next run is at `now + intervalMs`. Returns them. */
  set(address: TubeAddress, messages: readonly unknown[], intervalMs: number, now: number): unknown[] {
    const byKey = new Map<string, unknown>();
    for (const message of messages) byKey.set(this.#keyOf(message), message);
    for (const [messageKey, message] of byKey) {
      const key = `${address.tube}\n${messageKey}`;
      const entry: Recurrent = this.#entries.get(key) ?? { address, message, interval: intervalMs, version: 0 };
      entry.interval = intervalMs;
      entry.version++;
      this.#entries.set(key, entry);
      this.#runs.push({ at: now + intervalMs, key, version: entry.version });
    }
    return [...byKey.values()];
  }

  /** Stops recurrent messages; returns how many were registered. */
  unset(address: TubeAddress, messages: readonly unknown[]): number {
    let removed = 0;
    for (const message of messages) if (this.#entries.delete(`${address.tube}\n${this.#keyOf(message)}`)) removed++;
    return removed;
  }

  /** Hands up to `max` runs due at `now` to `append` (unless still waiting) and schedules the next ones. */
  promote(now: number, max: number, append: Append): PromoteResult {
    let due = 0;
    while (due < max) {
      const run = this.#nextRun();
      if (run === undefined || run.at > now) break;
      this.#runs.pop();
      const entry = this.#entries.get(run.key) as Recurrent;
      append(entry.address, [entry.message], true);
      // Missed runs are not made up in a burst: the next run is one interval from now at the latest.
      let at = run.at + entry.interval;
      if (at <= now) at = now + entry.interval;
      entry.version++;
      this.#runs.push({ at, key: run.key, version: entry.version });
      due++;
    }
    const next = this.#nextRun();
    return { due, nextDueIn: next === undefined ? undefined : Math.max(0, next.at - now) };
  }

  clear(): void {
    this.#entries.clear();
    this.#runs.clear();
  }

  #nextRun(): RecurrentRun | undefined {
    for (let run = this.#runs.peek(); run !== undefined; run = this.#runs.peek()) {
      if (this.#entries.get(run.key)?.version === run.version) return run;
      this.#runs.pop();
    }
    return undefined;
  }
}
