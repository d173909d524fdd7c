import { ConveyorError } from './conveyor-error.js';

/** A poller worker thread died or its source failed to load. */
export class PollerThreadError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POLLER_THREAD_FAILED', message, options);
  }
}
