import { ConveyorError } from './conveyor-error.js';

/**
 * A bulk ran longer than `handlerTimeout`. On a pool thread the thread is
 * terminated and replaced; inline the bulk is failed and its late completion
 * ignored. The message the handler held fails; those it took before stay consumed.
 */
export class HandlerTimeoutError extends ConveyorError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super('HANDLER_TIMEOUT', `The handler ran longer than handlerTimeout (${timeoutMs} ms) on this bulk`);
    this.timeoutMs = timeoutMs;
  }
}
