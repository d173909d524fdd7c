import type { Bulk } from './bulk.js';
import type { BulkReport } from './bulk-report.js';

/**
 * The iterator a handler walks: messages `start` to `end` of an array (a bulk
 * is a range of its parcel, so cutting a parcel into bulks copies nothing).
 * One instance per handler run; it records how far the handler got.
 */
export class BulkCursor<M> implements Bulk<M> {
  readonly #messages: readonly M[];
  readonly #start: number;
  readonly #size: number;
  #taken = 0;
  #marked: Array<readonly [number, unknown]> | undefined;

  constructor(messages: readonly M[], start = 0, end = messages.length) {
    this.#messages = messages;
    this.#start = start;
    this.#size = end - start;
  }

  get size(): number {
    return this.#size;
  }

  get taken(): number {
    return this.#taken;
  }

  next(): IteratorResult<M, undefined> {
    if (this.#taken >= this.#size) return { done: true, value: undefined };
    return { done: false, value: this.#messages[this.#start + this.#taken++] as M };
  }

  // A handler that breaks out of its loop keeps what it took; nothing to undo here.
  return(): IteratorResult<M, undefined> {
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
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
    return { taken: this.#taken, marked: this.#marked ?? [] };
  }

  /** The report of a run that threw `error`. */
  threw(error: unknown): BulkReport {
    return { taken: this.#taken, thrown: { error }, marked: this.#marked ?? [] };
  }
}
