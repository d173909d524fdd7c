import type { Bulk } from './bulk.js';
import type { BulkReport } from './bulk-report.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';

/** Where a cursor publishes how far the handler got (shared memory on a pool thread). */
export interface TakeWatcher {
  /** `taken` messages were taken; `unit` once `all()` took the bulk as one unit. */
  taken(taken: number, unit: boolean): void;
}

/**
 * The iterator a handler walks: messages `start` to `end` of an array (a bulk
 * is a range of its parcel, so cutting a parcel into bulks copies nothing).
 * One instance per handler run; it records how far the handler got.
 */
export class BulkCursor<M> implements Bulk<M> {
  readonly #messages: readonly M[];
  readonly #start: number;
  readonly #size: number;
  readonly #watcher: TakeWatcher | undefined;
  #taken = 0;
  #unit = false;
  #marked: Array<readonly [number, unknown]> | undefined;
  readonly traceContext: TraceCarrier | undefined;

  constructor(messages: readonly M[], start = 0, end = messages.length, watcher?: TakeWatcher, traceContext?: TraceCarrier) {
    this.traceContext = traceContext;
    this.#messages = messages;
    this.#start = start;
    this.#size = end - start;
    this.#watcher = watcher;
  }

  get size(): number {
    return this.#size;
  }

  get taken(): number {
    return this.#taken;
  }

  next(): IteratorResult<M, undefined> {
    if (this.#taken >= this.#size) return { done: true, value: undefined };
    const message = this.#messages[this.#start + this.#taken++] as M;
    this.#watcher?.taken(this.#taken, this.#unit);
    return { done: false, value: message };
  }

  // A handler that breaks out of its loop keeps what it took; nothing to undo here.
  return(): IteratorResult<M, undefined> {
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }

  all(): M[] {
    this.#unit = true;
    this.#taken = this.#size;
    this.#watcher?.taken(this.#taken, true);
    return this.#messages.slice(this.#start, this.#start + this.#size);
  }

  fail(message: M, reason?: unknown): void {
    // Search the taken part from the end: the message just taken is the usual case.
    for (let index = this.#taken - 1; index >= 0; index--) {
      if (this.#messages[this.#start + index] === message) {
        (this.#marked ??= []).push([index, reason ?? new Error('Marked failed by the handler')]);
        return;
      }
    }
    throw new RangeError('bulk.fail() was given a message that is not in this bulk or was not taken from the iterator yet');
  }

  /** True when the run consumed every message: the common case, reported without a report. */
  get allConsumed(): boolean {
    return this.#taken === this.#size && this.#marked === undefined;
  }

  /** The report of a run that returned normally. */
  returned(): BulkReport {
    return this.#report({});
  }

  /** The report of a run that threw `error`. */
  threw(error: unknown): BulkReport {
    return this.#report({ thrown: { error } });
  }

  #report(ending: Pick<BulkReport, 'thrown'>): BulkReport {
    // A copy of the marks: a handler still running past its timeout must not change a report already made.
    return {
      taken: this.#taken,
      marked: this.#marked === undefined ? [] : [...this.#marked],
      ...ending,
      ...(this.#unit ? { unit: true as const } : {}),
    };
  }
}
