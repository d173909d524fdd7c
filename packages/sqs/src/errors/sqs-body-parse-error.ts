import { ConveyorError } from '@conveyor/core';

/** A message body is not valid JSON (with `bodyFormat: 'json'`): the message failed; it is never handed to a handler. */
export class SqsBodyParseError extends ConveyorError {
  /** The SQS MessageId (the message's `id`). */
  readonly messageId: string;

  constructor(messageId: string, cause: unknown) {
    super(
      'SQS_BODY_PARSE',
      `The body of SQS message ${messageId} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.messageId = messageId;
  }
}
