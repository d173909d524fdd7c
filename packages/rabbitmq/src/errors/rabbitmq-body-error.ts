import { ConveyorError } from '@conveyor/core';

/**
 * A message body cannot be decoded as the source's `bodyFormat` (not UTF-8 text,
 * not JSON): the message is dead-lettered at once, never handed to a handler.
 */
export class RabbitMqBodyError extends ConveyorError {
  /** The message's `id`. */
  readonly messageId: string;
  /** The format it failed to decode as. */
  readonly format: 'text' | 'json';

  constructor(messageId: string, format: 'text' | 'json', cause: unknown) {
    super(
      'RABBITMQ_BODY',
      `The body of RabbitMQ message ${messageId} is not ${format === 'json' ? 'valid JSON' : 'UTF-8 text'}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.messageId = messageId;
    this.format = format;
  }
}
