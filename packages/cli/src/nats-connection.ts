import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { CliError } from './cli-error.js';
import { oneLine } from './describe-error.js';
import type { NatsLocation } from './nats-url.js';

/** Connects to the server of a `nats://` URL (one attempt, no endless reconnecting: a command should fail fast). */
export async function connectNats(location: NatsLocation): Promise<NatsConnection> {
  try {
    return await connect({
      servers: location.server,
      timeout: 5000,
      maxReconnectAttempts: 3,
      ...(location.user === undefined ? {} : { user: location.user }),
      ...(location.pass === undefined ? {} : { pass: location.pass }),
      ...(location.token === undefined ? {} : { token: location.token }),
    });
  } catch (error) {
    throw natsFailure(error, location);
  }
}

/** A one-line `CliError` for a failed call, the password never in it. */
export function natsFailure(error: unknown, location: NatsLocation, what = `NATS at ${location.display}`): CliError {
  if (error instanceof CliError) return error;
  const text = oneLine(error);
  if (/stream not found|consumer not found|no stream matches/i.test(text)) {
    return new CliError('CLI_QUEUE_NOT_FOUND', `${what}: ${text}`, { cause: error });
  }
  return new CliError('CLI_UNREACHABLE', `${what} failed: ${text}`, { cause: error });
}
