import { ConveyorError } from '@conveyor/core';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { NatsError } from './nats-error.js';
import type { NatsOperation } from './nats-error.js';

const notFoundCodes: ReadonlySet<number> = new Set([JetStreamApiCodes.ConsumerNotFound, JetStreamApiCodes.StreamNotFound]);

/** Maps what the NATS client threw to a `NatsError` (already typed errors pass through). */
export function toNatsError(error: unknown, operation: NatsOperation): ConveyorError {
  if (error instanceof ConveyorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof JetStreamApiError) {
    const code = notFoundCodes.has(error.code) ? 'NATS_NOT_FOUND' : 'NATS_API';
    return new NatsError(code, operation, `NATS ${operation} failed: ${message}`, { cause: error });
  }
  const name = error instanceof Error ? error.name : '';
  if (/stream not found|consumer not found/i.test(message)) {
    return new NatsError('NATS_NOT_FOUND', operation, `NATS ${operation} failed: ${message}`, { cause: error });
  }
  // Everything else the client throws is about the connection (closed, draining, timeout, no responders while
  // the server restarts, missed heartbeats): the client reconnects and the same call may succeed later.
  const detail = name !== '' && name !== 'Error' && !message.includes(name) ? `${name}: ${message}` : message;
  return new NatsError('NATS_CONNECTION', operation, `NATS ${operation} failed: ${detail}`, { cause: error });
}
