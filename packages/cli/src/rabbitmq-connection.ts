import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { CliError } from './cli-error.js';
import { networkErrorCode, oneLine } from './describe-error.js';
import type { RabbitMqLocation } from './rabbitmq-location.js';

/** A connection to the broker of an `amqp://` URL, with a channel that is reopened after a failed passive check. */
export interface RabbitMqConnection {
  /** A working channel (a passive check of a missing queue closes the last one). */
  channel(): Promise<Channel>;
  /** Ready messages and consumers of a queue; `undefined` when it does not exist. */
  check(queue: string): Promise<{ messageCount: number; consumerCount: number } | undefined>;
  close(): Promise<void>;
}

/** Connects, failing fast with a one-line `CliError` (exit 4) that never shows the password. */
export async function connectRabbitMq(location: RabbitMqLocation): Promise<RabbitMqConnection> {
  let model: ChannelModel;
  try {
    model = await amqp.connect(location.connectionUrl, { timeout: 5_000, clientProperties: { connection_name: 'conveyor cli' } });
  } catch (error) {
    throw rabbitMqFailure(error, location);
  }
  model.on('error', () => {});
  let current: Channel | undefined;
  let closed = false;
  const open = async (): Promise<Channel> => {
    if (current !== undefined && !closed) return current;
    const channel = await model.createChannel();
    channel.on('error', () => {});
    channel.on('close', () => {
      if (current === channel) current = undefined;
    });
    current = channel;
    return channel;
  };
  return {
    channel: open,
    async check(queue) {
      const channel = await open();
      try {
        const { messageCount, consumerCount } = await channel.checkQueue(queue);
        return { messageCount, consumerCount };
      } catch (error) {
        if (current === channel) current = undefined;
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw rabbitMqFailure(error, location);
      }
    },
    async close() {
      closed = true;
      await model.close().catch(() => {});
    },
  };
}

/** A one-line `CliError` for what amqplib threw, the password scrubbed. */
export function rabbitMqFailure(error: unknown, location: RabbitMqLocation): CliError {
  if (error instanceof CliError) return error;
  const host = location.display.replace(/\?.*$/, '');
  let message = oneLine(error);
  if (location.secret !== undefined && location.secret !== '') message = message.split(location.secret).join('***');
  const network = networkErrorCode(error);
  if (network !== undefined)
    return new CliError('CLI_UNREACHABLE', `Cannot reach RabbitMQ at ${host} (${network}); is it running, is the port right?`, {
      cause: error,
    });
  if (message.includes('ACCESS_REFUSED') || message.includes('ACCESS-REFUSED'))
    return new CliError('CLI_UNREACHABLE', `RabbitMQ at ${host} refused the user name or password (ACCESS_REFUSED)`, { cause: error });
  if (message.includes('Expected ConnectionOpenOk'))
    return new CliError(
      'CLI_UNREACHABLE',
      `RabbitMQ at ${host} has no vhost ${JSON.stringify(location.vhost)}, or the user may not use it`,
      { cause: error },
    );
  return new CliError('CLI_UNREACHABLE', `RabbitMQ at ${host} failed: ${message}`, { cause: error });
}

/** The error for a queue that does not exist (exit 4). */
export function queueMissing(location: RabbitMqLocation): CliError {
  return new CliError(
    'CLI_QUEUE_NOT_FOUND',
    `RabbitMQ queue ${JSON.stringify(location.queue)} does not exist in vhost ${JSON.stringify(location.vhost)}`,
  );
}
