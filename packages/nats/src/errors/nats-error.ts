import { ConveyorError } from '@conveyor/core';

/** What the source or sender was doing when a call to NATS failed. */
export type NatsOperation = 'connect' | 'bind' | 'fetch' | 'ack' | 'nak' | 'term' | 'publish' | 'deadLetter' | 'inspect';

/**
 * What went wrong talking to NATS, as a code callers can switch on:
 * - `NATS_NOT_FOUND`: the stream or consumer does not exist (and the source may not create it).
 * - `NATS_CONNECTION`: no connection (refused, closed, timed out); transient while the client reconnects.
 * - `NATS_API`: JetStream refused the request (bad config, limits, no stream for a subject).
 */
export type NatsErrorCode = 'NATS_NOT_FOUND' | 'NATS_CONNECTION' | 'NATS_API';

/** A call to NATS failed. `retryable` tells whether the same call may succeed later. */
export class NatsError extends ConveyorError {
  declare readonly code: NatsErrorCode;
  readonly operation: NatsOperation;

  constructor(code: NatsErrorCode, operation: NatsOperation, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.operation = operation;
  }

  /** A lost connection heals when the client reconnects; a missing stream or a refused config does not. */
  get retryable(): boolean {
    return this.code === 'NATS_CONNECTION';
  }
}
