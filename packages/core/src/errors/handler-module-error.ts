import { ConveyorError } from './conveyor-error.js';

/** A handler or initializer module could not be loaded or does not export a function. */
export class HandlerModuleError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HANDLER_MODULE', message, options);
  }
}
