import { delayQueueName } from '@conveyor/rabbitmq';
import { connectRabbitMq, queueMissing, rabbitMqFailure } from '../rabbitmq-connection.js';
import type { RabbitMqLocation } from '../rabbitmq-location.js';
import type { QueueInspector, QueueStats } from './queue-stats.js';

// A RabbitMqSource with the default backoff has 8 delay queues; a longer cap makes more.
const maxRetryLevels = 40;

/**
 * Reads a RabbitMQ queue with passive declarations only (it creates nothing):
 * its ready messages and consumers, its dead-letter queue's ready messages, and
 * the messages waiting out a retry in RabbitMqSource's delay queues
 * (`<queue>.retry.<level>`). AMQP does not tell a queue's unacknowledged count,
 * so in flight is unknown here (a running consumer's own `inspect()` tells its share).
 */
export async function openRabbitMqInspector(location: RabbitMqLocation): Promise<QueueInspector> {
  const connection = await connectRabbitMq(location);
  return {
    async read(): Promise<QueueStats> {
      try {
        const queue = await connection.check(location.queue);
        if (queue === undefined) throw queueMissing(location);
        const dead = await connection.check(location.deadLetterQueue);
        let delayed = 0;
        let levels = 0;
        // Levels are made in order (a message reaches level n after level n − 1): stop at the first missing one.
        for (let level = 1; level <= maxRetryLevels; level++) {
          const waiting = await connection.check(delayQueueName(location.queue, level));
          if (waiting === undefined) break;
          delayed += waiting.messageCount;
          levels = level;
        }
        const details: Record<string, number | string> = { consumers: queue.consumerCount, delayed };
        if (levels > 0) details.retryLevels = levels;
        if (dead !== undefined) details.deadLetterQueue = location.deadLetterQueue;
        return {
          source: location.display,
          kind: 'rabbitmq',
          waiting: queue.messageCount,
          inFlight: undefined,
          deadLetters: dead?.messageCount,
          details,
        };
      } catch (error) {
        throw rabbitMqFailure(error, location);
      }
    },
    close: () => connection.close(),
  };
}
