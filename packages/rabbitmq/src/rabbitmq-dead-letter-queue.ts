import type { ChannelModel, ConfirmChannel, GetMessage, Options } from 'amqplib';
import { InvalidOptionError } from '@conveyor/core';
import { conveyorHeaders, failuresOf } from './conveyor-headers.js';
import { brokerHeaders } from './copies.js';

/** Where `RabbitMqDeadLetterQueue` reads dead letters and where it sends them back. */
export interface RabbitMqDeadLetterQueueOptions {
  /** An open amqplib connection (`await amqp.connect(url)`); the caller closes it. */
  readonly connection: ChannelModel;
  /** The work queue the dead letters go back to. */
  readonly queue: string;
  /** The dead-letter queue. @default `<queue>.dead` (where RabbitMqSource binds its dead letters) */
  readonly deadLetterQueue?: string;
}

/** A message of the dead-letter queue, as `peek()` reads it. */
export interface RabbitMqDeadLetter {
  /** Its `message-id` (the id the source gave it), when it has one. */
  readonly id: string | undefined;
  readonly body: Buffer;
  /** Receives counted when it died (`x-conveyor-failures`). */
  readonly receiveCount: number;
  /** The last error (`x-conveyor-last-error`), when the source recorded it. */
  readonly lastError: string | undefined;
  /** Why it died (`max-receive-count`, `poison`, `bad-body`), when the source recorded it. */
  readonly reason: string | undefined;
  /** When it was first published (ms since the epoch), when the producer set `timestamp`. */
  readonly publishedAt: number | undefined;
}

// Messages moved per confirm round trip.
const redriveBatch = 100;
// Headers of a dead letter that a message sent back starts over without.
const deadHeaders = [
  conveyorHeaders.failures,
  conveyorHeaders.lastError,
  conveyorHeaders.deadLetterReason,
  conveyorHeaders.queue,
  ...brokerHeaders,
];

/**
 * The dead letters of a RabbitMQ work queue, to look at and to send back.
 * A redrive takes messages from the dead-letter queue unacknowledged,
 * publishes each to the work queue (default exchange, persistent, publisher
 * confirms), and acknowledges them only once the broker confirmed: a crash in
 * between puts them back in the dead-letter queue (delivered twice, never lost).
 */
export class RabbitMqDeadLetterQueue {
  readonly #connection: ChannelModel;
  readonly #queue: string;
  readonly #deadLetterQueue: string;

  constructor(options: RabbitMqDeadLetterQueueOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
    if (typeof options.connection?.createConfirmChannel !== 'function')
      throw new InvalidOptionError('connection', 'an amqplib connection (await amqp.connect(url))', options.connection);
    if (typeof options.queue !== 'string' || options.queue === '') throw new InvalidOptionError('queue', 'a queue name', options.queue);
    const dead = options.deadLetterQueue ?? `${options.queue}.dead`;
    if (typeof dead !== 'string' || dead === '' || dead === options.queue)
      throw new InvalidOptionError('deadLetterQueue', 'a queue name other than `queue`', dead);
    this.#connection = options.connection;
    this.#queue = options.queue;
    this.#deadLetterQueue = dead;
  }

  /** Looks at up to `limit` dead letters, oldest first, and puts them back where they were. */
  async peek(limit = 10): Promise<RabbitMqDeadLetter[]> {
    checkLimit(limit);
    return this.#withChannel(async (channel) => {
      const taken: GetMessage[] = [];
      try {
        while (taken.length < limit) {
          const message = await channel.get(this.#deadLetterQueue, { noAck: false });
          if (message === false) break;
          taken.push(message);
        }
      } finally {
        if (taken.length > 0) channel.nackAll(true);
      }
      return taken.map(toDeadLetter);
    });
  }

  /** Sends dead letters back to the work queue (all, or the oldest `limit`), each starting over; resolves to how many moved. */
  async redrive(options: { readonly limit?: number } = {}): Promise<number> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY) checkLimit(limit);
    return this.#withChannel(async (channel) => {
      // The work queue must exist: a message published to a missing queue would be dropped (and then acked).
      await channel.checkQueue(this.#queue);
      let moved = 0;
      while (moved < limit) {
        const batch: GetMessage[] = [];
        while (batch.length < Math.min(redriveBatch, limit - moved)) {
          const message = await channel.get(this.#deadLetterQueue, { noAck: false });
          if (message === false) break;
          batch.push(message);
        }
        if (batch.length === 0) break;
        for (const message of batch) channel.sendToQueue(this.#queue, message.content, freshOptions(message));
        await channel.waitForConfirms();
        channel.ack(batch[batch.length - 1] as GetMessage, true);
        moved += batch.length;
      }
      return moved;
    });
  }

  async #withChannel<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const channel = await this.#connection.createConfirmChannel();
    const failed = new Promise<never>((_resolve, reject) => channel.once('error', reject));
    failed.catch(() => {});
    try {
      return await Promise.race([work(channel), failed]);
    } finally {
      await channel.close().catch(() => {});
    }
  }
}

function checkLimit(limit: number): void {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)
    throw new InvalidOptionError('limit', 'a non-negative integer', limit);
}

/** The message's properties, persistent, without the dead letter's headers. */
function freshOptions(message: GetMessage): Options.Publish {
  const properties = message.properties;
  const headers: Record<string, unknown> = { ...(properties.headers ?? {}) };
  for (const name of deadHeaders) delete headers[name];
  const options: Options.Publish = { persistent: true, headers };
  const copied = [
    'contentType',
    'contentEncoding',
    'correlationId',
    'replyTo',
    'messageId',
    'timestamp',
    'type',
    'appId',
    'priority',
  ] as const;
  for (const name of copied) {
    const value: unknown = properties[name];
    if (value !== undefined && value !== null) (options as Record<string, unknown>)[name] = value;
  }
  return options;
}

function toDeadLetter(message: GetMessage): RabbitMqDeadLetter {
  const { headers, messageId, timestamp } = message.properties as {
    headers?: Record<string, unknown>;
    messageId?: unknown;
    timestamp?: unknown;
  };
  // Header values are strings, numbers or buffers (AMQP field tables); anything else is not shown.
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
      ? String(value)
      : Buffer.isBuffer(value)
        ? value.toString('utf8')
        : undefined;
  const published = typeof timestamp === 'number' ? (timestamp < 1e12 ? timestamp * 1000 : timestamp) : undefined;
  return {
    id: text(messageId),
    body: message.content,
    receiveCount: failuresOf(headers),
    lastError: text(headers?.[conveyorHeaders.lastError]),
    reason: text(headers?.[conveyorHeaders.deadLetterReason]),
    publishedAt: published,
  };
}
