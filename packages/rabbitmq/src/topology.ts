import type { Channel, Options } from 'amqplib';
import { backoffDelay } from '@conveyor/core/kit';
import type { BackoffPolicy } from '@conveyor/core/kit';
import { toRabbitMqError } from './errors/error-mapping.js';
import type { ResolvedRabbitMqSourceOptions } from './rabbitmq-source-options.js';

/** The declaration of the work queue: durable, its type, single active consumer, the user's arguments. */
export function workQueueDeclaration(options: ResolvedRabbitMqSourceOptions): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      ...options.queueArguments,
      'x-queue-type': options.queueType,
      ...(options.singleActiveConsumer ? { 'x-single-active-consumer': true } : {}),
    },
  };
}

/**
 * Declares what the source consumes and dead-letters to: the work queue, the
 * dead-letter exchange and, unless turned off, a dead-letter queue bound to it.
 * Each is durable; one that exists with other arguments rejects with
 * `RabbitMqDeclarationError` (and closes `channel`: the broker's answer).
 */
export async function declareTopology(channel: Channel, options: ResolvedRabbitMqSourceOptions, secret: string | undefined): Promise<void> {
  const step = async (doing: string, action: () => Promise<unknown>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      throw toRabbitMqError(error, doing, secret);
    }
  };
  const { queue, deadLetterExchange, deadLetterQueue } = options;
  await step(`Declaring queue ${JSON.stringify(queue)}`, () => channel.assertQueue(queue, workQueueDeclaration(options)));
  await step(`Declaring exchange ${JSON.stringify(deadLetterExchange)}`, () =>
    channel.assertExchange(deadLetterExchange, options.deadLetterExchangeType, { durable: true }),
  );
  if (deadLetterQueue !== undefined) {
    await step(`Declaring queue ${JSON.stringify(deadLetterQueue)}`, () =>
      channel.assertQueue(deadLetterQueue, { durable: true, arguments: { 'x-queue-type': options.queueType } }),
    );
    await step(`Binding queue ${JSON.stringify(deadLetterQueue)}`, () =>
      channel.bindQueue(deadLetterQueue, deadLetterExchange, options.deadLetterRoutingKey),
    );
  }
}

/** Where a charged failure waits out its backoff: a delay queue and the message's TTL there. */
export interface RetryRoute {
  /** The delay queue, or the work queue itself when there is no wait. */
  readonly queue: string;
  /** Its declaration (undefined for the work queue: declared already). */
  readonly declaration: Options.AssertQueue | undefined;
  /** The message's `expiration` in the delay queue. */
  readonly delayMs: number;
}

/**
 * The retry route of a message after its `failures`-th charged failure (see
 * docs/adr/0007-rabbitmq-retries-through-delay-queues.md). Level `n` of the
 * backoff has a delay queue `<queue>.retry.<n>` with no consumer; a message
 * waits there for its jittered delay (per-message TTL), then the queue
 * dead-letters it back to the work queue through the default exchange. A queue
 * expires messages only at its head, so each level gets its own queue: every
 * message of a level has a TTL of at most that level's delay, so none waits
 * longer than it behind another. Levels past the cap share the last queue.
 */
export function retryRoute(options: ResolvedRabbitMqSourceOptions, failures: number, random: () => number = Math.random): RetryRoute {
  const policy = options.retryBackoff;
  if (policy === false) return { queue: options.queue, declaration: undefined, delayMs: 0 };
  const delayMs = Math.round(backoffDelay(failures, policy, random));
  if (delayMs <= 0) return { queue: options.queue, declaration: undefined, delayMs: 0 };
  const level = Math.min(failures, lastLevel(policy));
  return { queue: delayQueueName(options.queue, level), declaration: delayQueueDeclaration(options), delayMs };
}

/** The name of the delay queue of backoff level `level` (1 = the first retry). */
export function delayQueueName(queue: string, level: number): string {
  return `${queue}.retry.${level}`;
}

/** The first level whose delay reaches the cap: later failures wait there too. */
export function lastLevel(policy: BackoffPolicy): number {
  if (policy.baseMs <= 0) return 1;
  let level = 1;
  while (policy.baseMs * 2 ** (level - 1) < policy.capMs && level < 40) level++;
  return level;
}

function delayQueueDeclaration(options: ResolvedRabbitMqSourceOptions): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      'x-queue-type': options.queueType,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': options.queue,
      // Quorum queues dead-letter at most once unless told otherwise; a retry must not be lost.
      ...(options.queueType === 'quorum' ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } : {}),
    },
  };
}
