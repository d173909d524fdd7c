import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { RabbitMqDeadLetterQueue } from '@conveyor/rabbitmq';
import { CliError } from '../cli-error.js';
import { rabbitMqFailure } from '../rabbitmq-connection.js';
import type { RabbitMqLocation } from '../rabbitmq-location.js';
import type { DeadLetterTool, DeadLetterView } from './dead-letter-tool.js';

/**
 * The dead-letter queue of a RabbitMQ work queue (`<queue>.dead`, or `?dlq=`),
 * through `RabbitMqDeadLetterQueue`: peeking takes messages unacknowledged and
 * puts them back; a redrive acknowledges each only after the broker confirmed
 * its copy in the work queue (a crash in between duplicates, never loses).
 */
export async function openRabbitMqDeadLetters(location: RabbitMqLocation): Promise<DeadLetterTool> {
  let model: ChannelModel;
  try {
    model = await amqp.connect(location.connectionUrl, { timeout: 5_000, clientProperties: { connection_name: 'conveyor cli dlq' } });
  } catch (error) {
    throw rabbitMqFailure(error, location);
  }
  model.on('error', () => {});
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: unknown }).code === 404)
        throw new CliError(
          'CLI_QUEUE_NOT_FOUND',
          `RabbitMQ queue ${JSON.stringify(location.queue)} or its dead-letter queue ${JSON.stringify(location.deadLetterQueue)} does not exist in vhost ${JSON.stringify(location.vhost)}`,
          { cause: error },
        );
      throw rabbitMqFailure(error, location);
    }
  };
  const dead = new RabbitMqDeadLetterQueue({ connection: model, queue: location.queue, deadLetterQueue: location.deadLetterQueue });
  const count = (): Promise<number> =>
    guard(async () => {
      const channel = await model.createChannel();
      channel.on('error', () => {});
      try {
        return (await channel.checkQueue(location.deadLetterQueue)).messageCount;
      } finally {
        await channel.close().catch(() => {});
      }
    });
  try {
    await count();
  } catch (error) {
    await model.close().catch(() => {});
    throw error;
  }
  return {
    where: location.deadLetterQueue,
    count,
    list: (limit) =>
      guard(async () => {
        const now = Date.now();
        return (await dead.peek(limit)).map((letter, index): DeadLetterView => ({
          id: letter.id ?? `#${index + 1}`,
          body: letter.body.toString('utf8'),
          receiveCount: letter.receiveCount === 0 ? undefined : letter.receiveCount,
          ageMs: letter.publishedAt === undefined ? undefined : Math.max(0, now - letter.publishedAt),
          lastError: letter.lastError,
        }));
      }),
    redrive: (limit) => guard(() => dead.redrive(limit === undefined ? {} : { limit })),
    close: async () => {
      await model.close().catch(() => {});
    },
  };
}
