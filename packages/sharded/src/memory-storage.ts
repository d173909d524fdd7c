import type { Clock } from '@conveyor/core/kit';
import { MemoryDeferred } from './memory-deferred.js';
import { MemoryRecurrent } from './memory-recurrent.js';
import type { MemoryStorageOptions } from './memory-storage-options.js';
import { resolveMemoryStorageOptions } from './memory-storage-options.js';
import { MemoryTubes } from './memory-tubes.js';
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

/**
 * The storage of one process, for workers sharing this instance: the same
 * semantics as the Redis storage (fenced settles, index of non-empty threads,
 * heap-ordered deferred requests, recurrent schedule, dead letters), built of
 * `MemoryTubes`, `MemoryDeferred` and `MemoryRecurrent`. Equality
 * (`ifNotExists`, recurrent entries) compares JSON forms.
 */
export class MemoryStorage implements Storage<unknown> {
  readonly encoding: StorageEncoding;
  readonly #clock: Clock;
  readonly #dead: DeadLetter<unknown>[] = [];
  readonly #tubes: MemoryTubes;
  readonly #deferred: MemoryDeferred;
  readonly #recurrent: MemoryRecurrent;
  readonly #append = (address: TubeAddress, messages: readonly unknown[], ifNotExists: boolean): number =>
    this.#tubes.append(address, messages, ifNotExists);

  constructor(options?: MemoryStorageOptions) {
    const resolved = resolveMemoryStorageOptions(options);
    this.encoding = resolved.serialized ? 'text' : 'values';
    this.#clock = resolved.clock;
    // What equality compares: the string itself for serialized messages, the JSON form of values.
    const keyOf = resolved.serialized
      ? (message: unknown): string => message as string
      : (message: unknown): string => JSON.stringify(message) ?? String(message);
    this.#tubes = new MemoryTubes(keyOf, this.#dead, () => this.#clock.now());
    this.#deferred = new MemoryDeferred(keyOf);
    this.#recurrent = new MemoryRecurrent(keyOf);
  }

  async append(address: TubeAddress, messages: readonly unknown[], ifNotExists: boolean): Promise<number> {
    return this.#tubes.append(address, messages, ifNotExists);
  }

  async threads(max: number): Promise<string[]> {
    return this.#tubes.threads(max);
  }

  async peek(thread: string, max: number): Promise<Peeked<unknown> | undefined> {
    return this.#tubes.peek(thread, max);
  }

  async settle(batch: BatchRef, failed: readonly number[] = [], failure?: BatchFailure): Promise<SettleResult> {
    return this.#tubes.settle(batch, failed, failure);
  }

  async length(tube: string): Promise<number> {
    return this.#tubes.length(tube);
  }

  async contains(tube: string, message: unknown): Promise<boolean> {
    return this.#tubes.contains(tube, message);
  }

  async schedule(address: TubeAddress, messages: readonly unknown[], delayMs: number, ifNotExists: boolean): Promise<number> {
    return this.#deferred.schedule(address, messages, this.#clock.now() + delayMs, ifNotExists);
  }

  async promoteDeferred(max: number): Promise<PromoteResult> {
    return this.#deferred.promote(this.#clock.now(), max, this.#append);
  }

  async setRecurrent(address: TubeAddress, messages: readonly unknown[], intervalMs: number): Promise<number> {
    const distinct = this.#recurrent.set(address, messages, intervalMs, this.#clock.now());
    // The first run is now.
    this.#tubes.append(address, distinct, true);
    return distinct.length;
  }

  async unsetRecurrent(address: TubeAddress, messages: readonly unknown[]): Promise<number> {
    return this.#recurrent.unset(address, messages);
  }

  async promoteRecurrent(max: number): Promise<PromoteResult> {
    return this.#recurrent.promote(this.#clock.now(), max, this.#append);
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
    this.#deferred.clear();
    this.#recurrent.clear();
    this.#dead.length = 0;
  }
}
