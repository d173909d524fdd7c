import { ConveyorError, errorMessage } from './conveyor-error.js';

/** The pool thread running a bulk died (exit, uncaught error, out of memory); its whole bulk failed. */
export class PoolThreadError extends ConveyorError {
  /** Leading bulks of the parcel the thread had fully consumed before it died: they stay consumed. */
  readonly completedBulks: number;

  constructor(cause: unknown, completedBulks = 0) {
    super('POOL_THREAD_FAILED', `A pool thread failed while running a bulk: ${errorMessage(cause)}`, { cause });
    this.completedBulks = completedBulks;
  }
}
