import { ConveyorError } from '@conveyor/core';

/**
 * The sender was given a body its `bodyFormat` cannot write into the table's
 * body column (a non-string with 'text', a value JSON cannot represent with
 * 'json', bytes into a text column...). Nothing of that `send()` was written.
 */
export class PostgresBodyEncodeError extends ConveyorError {
  /** The position of the body in the `send()` call. */
  readonly index: number;

  constructor(index: number, message: string) {
    super('POSTGRES_BODY_ENCODE', `Message ${index} of send(): ${message}`);
    this.index = index;
  }
}
