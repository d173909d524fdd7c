import { ConveyorError, errorMessage } from './conveyor-error.js';

/**
 * The pool thread running a parcel died (exit, out of memory) or an uncaught
 * error escaped a handler. The bulk it was in is suspect: its messages are
 * retried one by one, so only the one that kills the thread again is charged.
 */
export class PoolThreadError extends ConveyorError {
  constructor(cause: unknown) {
    super('POOL_THREAD_FAILED', `A pool thread failed while running a bulk: ${errorMessage(cause)}`, { cause });
  }
}
