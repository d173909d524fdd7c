import type { Settlement } from './bulk-report.js';
import type { Handler } from './handler.js';
import { settleOne } from './iterator-rule.js';
import { runHandler } from './run-handler.js';

/**
 * Runs `handler` over one bulk on this thread and applies the iterator rule:
 * for a driver's own loop (the file reader's `process()`, the sharded worker)
 * that must decide consumed and failed exactly as the Consumer does.
 */
export async function handleBulk<M>(handler: Handler<M>, messages: readonly M[]): Promise<Settlement<M>> {
  return settleOne(messages, await runHandler(handler, messages));
}
