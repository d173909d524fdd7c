import { ConveyorError } from './conveyor-error.js';

/** The object given as a source does not follow the Source contract. */
export class InvalidSourceError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_SOURCE', message, options);
  }
}
