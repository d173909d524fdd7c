import { ConveyorError } from '@conveyor/core';

/** A request cannot be stored (the serializer gave no string). */
export class InvalidRequestError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_REQUEST', message, options);
  }
}
