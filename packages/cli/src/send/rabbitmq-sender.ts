import { RabbitMqSender } from '@conveyor/rabbitmq';
import { CliError } from '../cli-error.js';
import { oneLine } from '../describe-error.js';
import { connectRabbitMq, queueMissing, rabbitMqFailure } from '../rabbitmq-connection.js';
import type { RabbitMqLocation } from '../rabbitmq-location.js';
import type { Sender } from './sender.js';

/**
 * Publishes each line to the queue (the default exchange, the queue's name as
 * routing key) as a persistent JSON message, with publisher confirms. The queue
 * must exist: it is checked first (exit 4), and every message is mandatory.
 */
export async function openRabbitMqSender(location: RabbitMqLocation): Promise<Sender> {
  const connection = await connectRabbitMq(location);
  try {
    if ((await connection.check(location.queue)) === undefined) throw queueMissing(location);
  } finally {
    await connection.close();
  }
  const sender = new RabbitMqSender({ url: location.connectionUrl, queue: location.queue, connectionName: 'conveyor cli' });
  return {
    batchSize: 1000,
    async send(lines) {
      try {
        await sender.sendMany(
          lines.map((line) => line.text),
          { contentType: 'application/json' },
        );
      } catch (error) {
        throw new CliError('CLI_UNREACHABLE', `Sending to ${location.display} failed: ${oneLine(rabbitMqFailure(error, location))}`, {
          cause: error,
        });
      }
    },
    close: () => sender.close(),
  };
}
