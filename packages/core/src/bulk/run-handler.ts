import { BulkCursor } from './bulk-cursor.js';
import type { BulkReport } from './bulk-report.js';
import type { Handler } from './handler.js';

/**
 * Runs `handler` over messages `start` to `end` and reports how far it got
 * (undefined: every message consumed); never throws.
 */
export async function runHandler<M>(
  handler: Handler<M>,
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
 * (undefined entries for bulks fully consumed). `onConsumedPrefix(n)` is told
 * while the first n bulks were all fully consumed: if the thread dies later,
 * those stay consumed.
 */
export async function runParcel<M>(
  handler: Handler<M>,
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
    else if (reports === undefined) onConsumedPrefix?.(index + 1);
    start = end;
  }
  return reports;
}
