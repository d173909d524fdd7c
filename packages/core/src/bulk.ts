/**
 * What a handler receives: an iterator over one bulk of messages. The consumer
 * watches how far the handler got, which decides what is consumed and what fails.
 */
export interface Bulk<M> extends IterableIterator<M> {
  /** Number of messages in the bulk. */
  readonly size: number;
  /** Number of messages taken from the iterator so far. */
  readonly taken: number;
  /**
   * Marks a message the handler already took as failed, without throwing: it
   * goes back to the source (`release`) while the others are cleaned up.
   * Throws a `RangeError` for a message that is not part of this bulk or not taken yet.
   */
  fail(message: M, reason?: unknown): void;
}

/** How one handler run ended, in a form that crosses thread boundaries. */
export interface BulkReport<E = unknown> {
  /** Messages taken from the iterator. */
  readonly taken: number;
  /** Present when the handler threw (or rejected). */
  readonly thrown?: { readonly error: E };
  /** Messages marked with `bulk.fail()`: index in the bulk and reason. */
  readonly marked: ReadonlyArray<readonly [index: number, reason: E]>;
}

/**
 * The iterator a handler walks: messages `start` to `end` of an array (a bulk
 * is a range of its parcel, so cutting a parcel into bulks copies nothing).
 * One instance per handler run.
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

  /** The report of a run that returned normally. */
  returned(): BulkReport {
    return { taken: this.#taken, marked: this.#marked ?? [] };
  }

  /** True when the run consumed every message: the common case, reported without a report. */
  get allConsumed(): boolean {
    return this.#taken === this.#size && this.#marked === undefined;
  }

  /** The report of a run that threw `error`. */
  threw(error: unknown): BulkReport {
    return { taken: this.#taken, thrown: { error }, marked: this.#marked ?? [] };
  }
}

/**
 * Runs `handler` over messages `start` to `end` and reports how far it got
 * (undefined: every message consumed); never throws.
 */
export async function runHandler<M>(
  handler: (bulk: Bulk<M>) => unknown,
  messages: readonly M[],
  start = 0,
  end = messages.length,
): Promise<BulkReport | undefined> {
  const cursor = new BulkCursor(messages, start, end);
  try {
    const result = handler(cursor);
    // Only await real promises: a synchronous handler costs no extra tick.
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      await (result as PromiseLike<unknown>);
    }
    return cursor.allConsumed ? undefined : cursor.returned();
  } catch (error) {
    return cursor.threw(error);
  }
}

/**
 * Runs the handler once per bulk of a parcel. Returns undefined when every
 * message was consumed (nothing to report), else one report per bulk
 * (undefined entries for bulks fully consumed).
 */
export async function runParcel<M>(
  handler: (bulk: Bulk<M>) => unknown,
  messages: readonly M[],
  bulkSizes: readonly number[],
  onConsumedPrefix?: (bulks: number) => void,
): Promise<(BulkReport | undefined)[] | undefined> {
  let reports: (BulkReport | undefined)[] | undefined;
  let start = 0;
  for (let index = 0; index < bulkSizes.length; index++) {
    const end = start + (bulkSizes[index] as number);
    const report = await runHandler(handler, messages, start, end);
    if (report !== undefined) (reports ??= new Array<BulkReport | undefined>(bulkSizes.length))[index] = report;
    // While every bulk so far was fully consumed, say so: if the thread dies later, those stay consumed.
    else if (reports === undefined) onConsumedPrefix?.(index + 1);
    start = end;
  }
  return reports;
}

/** One group of failed messages sharing a reason. */
export interface FailedGroup<M> {
  readonly messages: M[];
  readonly error: unknown;
}

/** What a report means for a bulk: which messages are consumed, which failed and why. */
export interface Settlement<M> {
  readonly consumed: M[];
  readonly failed: FailedGroup<M>[];
}

/**
 * Applies the iterator rule to a report. If the handler threw, the message it
 * held (the last taken) and those never taken fail with the thrown error; if it
 * returned, those never taken fail with `notTaken()`. Marked messages fail with their reason.
 */
export function settle<M>(messages: readonly M[], report: BulkReport | undefined, notTaken: () => unknown): Settlement<M> {
  // No report: the handler consumed every message.
  if (report === undefined) return { consumed: [...messages], failed: [] };
  const consumed: M[] = [];
  const byReason = new Map<unknown, M[]>();
  settleRange(messages, 0, messages.length, report, notTaken, consumed, byReason);
  return { consumed, failed: toFailedGroups(byReason) };
}

/** `settle()` for messages `start` to `end`, adding to `consumed` and to `failedByReason`. */
export function settleRange<M>(
  messages: readonly M[],
  start: number,
  end: number,
  report: BulkReport,
  notTaken: () => unknown,
  consumed: M[],
  failedByReason: Map<unknown, M[]>,
): void {
  const size = end - start;
  const taken = Math.min(Math.max(report.taken, 0), size);
  const firstFailed = report.thrown === undefined ? taken : Math.max(taken - 1, 0);
  let marked: Map<number, unknown> | undefined;
  for (const [index, reason] of report.marked) {
    if (index < firstFailed && !(marked ??= new Map()).has(index)) marked.set(index, reason);
  }
  for (let index = 0; index < firstFailed; index++) {
    const message = messages[start + index] as M;
    if (marked?.has(index) === true) pushTo(failedByReason, marked.get(index), message);
    else consumed.push(message);
  }
  if (firstFailed < size) {
    const reason = report.thrown !== undefined ? report.thrown.error : notTaken();
    for (let index = firstFailed; index < size; index++) pushTo(failedByReason, reason, messages[start + index] as M);
  }
}

export function toFailedGroups<M>(failedByReason: Map<unknown, M[]>): FailedGroup<M>[] {
  const failed: FailedGroup<M>[] = [];
  for (const [error, group] of failedByReason) failed.push({ messages: group, error });
  return failed;
}

function pushTo<M>(groups: Map<unknown, M[]>, key: unknown, message: M): void {
  const group = groups.get(key);
  if (group === undefined) groups.set(key, [message]);
  else group.push(message);
}
