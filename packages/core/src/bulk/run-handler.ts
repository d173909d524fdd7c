import type { TakeWatcher } from './bulk-cursor.js';
import { BulkCursor } from './bulk-cursor.js';
import type { BulkReport } from './bulk-report.js';
import type { Handler } from './handler.js';
import { KeyChains } from './key-chains.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';

/** A value now, or a promise of it: what a synchronous handler's run returns is a value, with no promise or tick. */
export type Eventually<T> = T | Promise<T>;

/**
 * Runs `handler` over messages `start` to `end` and reports how far it got
 * (undefined: every message consumed); never throws.
 */
export async function runHandler<M>(
  handler: Handler<M>,
  messages: readonly M[],
  start = 0,
  end = messages.length,
  watcher?: TakeWatcher,
  traceContext?: TraceCarrier,
): Promise<BulkReport | undefined> {
  return runHandlerNow(handler, messages, start, end, watcher, traceContext);
}

/**
 * `runHandler`, without a promise when the handler returned no promise: a
 * synchronous handler's bulk costs no promise and no microtask (per bulk, that
 * was most of the pool threads' cost at bulk size 1). A handler that returns a
 * thenable is awaited, as `await` would.
 */
function runHandlerNow<M>(
  handler: Handler<M>,
  messages: readonly M[],
  start: number,
  end: number,
  watcher: TakeWatcher | undefined,
  traceContext: TraceCarrier | undefined,
): Eventually<BulkReport | undefined> {
  const cursor = new BulkCursor(messages, start, end, watcher, traceContext);
  let result: unknown;
  try {
    result = handler(cursor);
  } catch (error) {
    return cursor.threw(error);
  }
  if (!isThenable(result)) return cursor.allConsumed ? undefined : cursor.returned();
  return Promise.resolve(result).then(
    () => (cursor.allConsumed ? undefined : cursor.returned()),
    (error: unknown) => cursor.threw(error),
  );
}

/** Whether a handler's result is to be awaited: a promise or any object or function with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** How a parcel's handler runs are watched: each bulk's start and its takes (pool threads publish them). */
export interface ParcelWatcher extends TakeWatcher {
  /** Bulk `index` starts; the `index` bulks before it were all fully consumed if `prefixConsumed`. */
  bulkStarted(index: number, prefixConsumed: boolean): void;
}

/**
 * Runs the handler once per bulk of a parcel. Returns undefined when every
 * message was consumed (nothing to report), else one report per bulk
 * (undefined entries for bulks fully consumed). `runBulk` wraps each run (a
 * pool thread runs it inside the bulk's async context, to attribute uncaught
 * errors). With key chains (`after`), a bulk's handler sees only the messages
 * whose key's message before them was consumed, and its report counts in that view.
 */
export async function runParcel<M>(
  handler: Handler<M>,
  messages: readonly M[],
  bulkSizes: ArrayLike<number>,
  watcher?: ParcelWatcher,
  runBulk: (index: number, run: () => Eventually<BulkReport | undefined>) => Eventually<BulkReport | undefined> = (_index, run) => run(),
  traceContext?: TraceCarrier,
  after?: Int32Array,
): Promise<(BulkReport | undefined)[] | undefined> {
  const chains = after === undefined ? undefined : new KeyChains(after);
  let reports: (BulkReport | undefined)[] | undefined;
  let start = 0;
  for (let index = 0; index < bulkSizes.length; index++) {
    const end = start + (bulkSizes[index] as number);
    // While every bulk so far was fully consumed, say so: if the thread dies later, those stay consumed.
    watcher?.bulkStarted(index, reports === undefined);
    const bulkStart = start;
    // With key chains, a message whose key's message before it failed is held: the handler sees the others.
    const view = chains?.view(start, end);
    // Awaited only when the run returned a promise: a synchronous handler's bulks run back to back.
    let ran: Eventually<BulkReport | undefined> = undefined;
    if (view === undefined) ran = runBulk(index, () => runHandlerNow(handler, messages, bulkStart, end, watcher, traceContext));
    else if (view.positions.length > 0) {
      const seen = view.positions.map((position) => messages[position] as M);
      ran = runBulk(index, () => runHandlerNow(handler, seen, 0, seen.length, watcher, traceContext));
    }
    const report = ran instanceof Promise ? await ran : ran;
    chains?.ran(start, end, view, report);
    if (report !== undefined) (reports ??= new Array<BulkReport | undefined>(bulkSizes.length))[index] = report;
    start = end;
  }
  return reports;
}
