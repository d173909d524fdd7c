import type { TubeAddress } from './tube.js';

/** A batch read from the head of a thread's most urgent non-empty tube, not yet removed. */
export interface Peeked<M = string> {
  readonly tube: string;
  readonly thread: string;
  /**
   * How many messages were ever removed from this tube when it was read. A
   * settle with a stale offset (someone else settled the batch meanwhile)
   * changes nothing: a worker whose lock expired can never remove what it did not read.
   */
  readonly offset: number;
  readonly messages: readonly M[];
  /**
   * Failed attempts counted for the batch at the head of this tube (0 when
   * none): the messages' deliveries before this one that were charged.
   */
  readonly failures: number;
}

/** The part of a peeked batch a settle applies to: its first `count` messages. */
export interface BatchRef {
  readonly tube: string;
  readonly thread: string;
  readonly offset: number;
  readonly count: number;
}

/** Why a batch failed, for the failure count and the dead letters. */
export interface BatchFailure {
  readonly reason: string;
  /** Failed attempts of the same head after which the charged messages go to the dead letters (`Infinity`: never). */
  readonly maxFailures: number;
  /**
   * Indexes (among the failed ones) of the messages the failure is charged to:
   * those the handler received and failed. The other failed messages go back
   * uncharged; they never go to the dead letters with the charged ones. When no
   * index is charged, nothing is counted. @default every failed index
   */
  readonly charged?: readonly number[];
}

/** What a settle did. */
export interface SettleResult {
  /** The batch was settled by someone else first; nothing changed. */
  readonly stale: boolean;
  /** Messages removed from the tube (consumed and dead-lettered). */
  readonly removed: number;
  /** Failed attempts counted for the head batch (0 when nothing failed). */
  readonly failures: number;
  /** Messages moved to the dead letters by this settle. */
  readonly deadLettered: number;
}

/** A request that failed `maxFailures` times (or could not be read). */
export interface DeadLetter<M = string> {
  readonly tube: string;
  readonly message: M;
  readonly reason: string;
  readonly failures: number;
  /** Epoch milliseconds (storage clock). */
  readonly at: number;
}

/** What a promotion step did. */
export interface PromoteResult {
  /** Due entries processed (moved to their tubes, or skipped as duplicates). */
  readonly due: number;
  /** Milliseconds until the next entry is due; `undefined` when there is none. */
  readonly nextDueIn: number | undefined;
}

/** Counters of the storage's side indexes. */
export type StorageIndex = 'deferred' | 'recurrent' | 'dead';

/**
 * How a storage keeps requests: `'text'` storages keep the strings of the
 * queue's serializer (Redis); a `'values'` storage (in-process memory) keeps
 * the registered request values themselves, and compares their serialized
 * form only where equality matters (`ifNotExists`, recurrent entries).
 */
export type StorageEncoding = 'text' | 'values';

/**
 * Where a sharded queue keeps its requests. Every method is atomic on its own
 * (one Lua script on Redis), so any number of workers in any number of
 * processes can share one storage. `M` is what a stored message is: a
 * serialized request (`string`) for `'text'` storages, the request for `'values'` ones.
 */
export interface Storage<M = string> {
  readonly encoding: StorageEncoding;
  /**
   * Appends messages at the tail of a tube and indexes its thread as non-empty.
   * With `ifNotExists`, skips a message already waiting in the tube or given
   * earlier in the same call. Returns how many were added.
   */
  append(address: TubeAddress, messages: readonly M[], ifNotExists: boolean): Promise<number>;
  /** Up to `max` threads that have waiting messages, sampled at random (fair choice, no key scans). */
  threads(max: number): Promise<string[]>;
  /** The first `max` messages of the thread's most urgent non-empty tube, without removing them. */
  peek(thread: string, max: number): Promise<Peeked<M> | undefined>;
  /**
   * Settles the first `batch.count` messages of a peeked batch: those at the
   * `failed` indexes (ascending) stay at the head in their order, the others
   * are removed. With `failure` (and a charged message), the failed attempt is
   * counted for the head; at `maxFailures` the charged messages go to the dead
   * letters instead, and the uncharged ones stay at the head.
   */
  settle(batch: BatchRef, failed?: readonly number[], failure?: BatchFailure): Promise<SettleResult>;
  /** Messages waiting in a tube. */
  length(tube: string): Promise<number>;
  /** Whether an equal message waits in a tube. */
  contains(tube: string, message: M): Promise<boolean>;
  /**
   * Schedules messages to be appended to their tube after `delayMs` (storage
   * clock, millisecond precision), in this order. With `ifNotExists`, skips a
   * message already scheduled for the tube, and appends it when due only if it
   * is not waiting there. Returns how many were scheduled.
   */
  schedule(address: TubeAddress, messages: readonly M[], delayMs: number, ifNotExists: boolean): Promise<number>;
  /** Moves up to `max` due scheduled messages to their tubes. */
  promoteDeferred(max: number): Promise<PromoteResult>;
  /**
   * Makes messages recurrent: each is appended now (unless it already waits in
   * the tube) and again every `intervalMs`. Registering one again changes its
   * interval. Returns how many were registered.
   */
  setRecurrent(address: TubeAddress, messages: readonly M[], intervalMs: number): Promise<number>;
  /** Stops recurrent messages (a run already waiting in the tube stays). Returns how many were registered. */
  unsetRecurrent(address: TubeAddress, messages: readonly M[]): Promise<number>;
  /** Appends up to `max` due recurrent messages (unless already waiting) and schedules their next run. */
  promoteRecurrent(max: number): Promise<PromoteResult>;
  /** The oldest `max` dead letters. */
  deadLetters(max: number): Promise<DeadLetter<M>[]>;
  /** Size of a side index. */
  count(index: StorageIndex): Promise<number>;
  /** Deletes everything this storage holds. */
  clear(): Promise<void>;
}
