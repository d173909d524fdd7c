import { ConveyorError } from '@conveyor/core';

/**
 * What went wrong talking to RabbitMQ, as a code callers can switch on:
 * - `RABBITMQ_CONNECTION`: the connection could not be opened or was lost (network,
 *   broker restart, heartbeat timeout); the source reconnects with backoff.
 * - `RABBITMQ_CHANNEL`: the broker closed a channel, or a consumer was cancelled
 *   (its queue deleted); the source opens a new connection.
 * - `RABBITMQ_ACCESS_REFUSED`: bad credentials, or no permission on the vhost or queue.
 * - `RABBITMQ_NOT_FOUND`: no such vhost, queue or exchange.
 * - `RABBITMQ_PUBLISH`: a publish was not confirmed (nacked, or its channel closed first).
 * - `RABBITMQ_UNROUTABLE`: a mandatory publish matched no queue.
 */
export type RabbitMqErrorCode =
  | 'RABBITMQ_CONNECTION'
  | 'RABBITMQ_CHANNEL'
  | 'RABBITMQ_ACCESS_REFUSED'
  | 'RABBITMQ_NOT_FOUND'
  | 'RABBITMQ_PUBLISH'
  | 'RABBITMQ_UNROUTABLE';

/** A RabbitMQ operation failed. `retryable` tells whether the same operation may succeed later. */
export class RabbitMqError extends ConveyorError {
  declare readonly code: RabbitMqErrorCode;
  /** The AMQP reply code (403, 404, 406, 320...) when the broker gave one. */
  readonly replyCode: number | undefined;

  constructor(
    code: RabbitMqErrorCode,
    message: string,
    options: { readonly replyCode?: number | undefined; readonly cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.replyCode = options.replyCode;
  }

  /** Transient failures: lost connections and channels, unconfirmed publishes. */
  get retryable(): boolean {
    return this.code === 'RABBITMQ_CONNECTION' || this.code === 'RABBITMQ_CHANNEL' || this.code === 'RABBITMQ_PUBLISH';
  }
}
