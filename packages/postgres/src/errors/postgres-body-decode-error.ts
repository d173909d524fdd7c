import { ConveyorError } from '@conveyor/core';

/**
 * A row's body cannot be decoded as the source's `bodyFormat` (JSON that does
 * not parse, bytes that are not UTF-8). The row is dead-lettered at once with
 * this error as its `last_error`; it is never handed to a handler.
 */
export class PostgresBodyDecodeError extends ConveyorError {
  /** The row's id. */
  readonly messageId: string;
  readonly bodyFormat: 'text' | 'json';

  constructor(messageId: string, bodyFormat: 'text' | 'json', cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('POSTGRES_BODY_DECODE', `The body of row ${messageId} cannot be decoded as ${bodyFormat}: ${why}`, { cause });
    this.messageId = messageId;
    this.bodyFormat = bodyFormat;
  }
}
