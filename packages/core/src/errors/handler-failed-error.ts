import { ConveyorError } from './conveyor-error.js';

/**
 * A handler threw on a pool thread. The original error cannot cross the thread
 * boundary as an object, so its name, message, stack and code are copied here.
 */
export class HandlerFailedError extends ConveyorError {
  readonly originalName: string;
  readonly originalCode: unknown;

  constructor(original: { name: string; message: string; stack?: string | undefined; code?: unknown }) {
    super('HANDLER_FAILED', `${original.name}: ${original.message}`);
    this.originalName = original.name;
    this.originalCode = original.code;
    if (original.stack !== undefined) this.stack = original.stack;
  }
}
