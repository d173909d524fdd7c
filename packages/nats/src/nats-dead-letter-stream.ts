import { headers as natsHeaders } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';
import { InvalidOptionError } from '@conveyor/core';
import { deadLetterHeaders } from './dead-letters.js';
import { NatsError } from './errors/nats-error.js';

/** Where `NatsDeadLetterStream` reads dead letters. */
export interface NatsDeadLetterStreamOptions {
  /** An open connection; the caller closes it. */
  readonly connection: NatsConnection;
  /** The dead-letter subject (`NatsSource`'s `deadLetter.subject`, by default `dead-letters.<stream>.<consumer>`). */
  readonly subject: string;
  /** The stream that stores it. @default the stream whose subjects cover `subject` */
  readonly stream?: string;
}

/** A dead-letter copy, as `peek()` reads it. */
export interface NatsDeadLetter {
  /** `<stream>:<sequence>` of the original message. */
  readonly id: string;
  readonly body: Uint8Array;
  /** The subject the original was published to (where a redrive sends it). */
  readonly subject: string | undefined;
  readonly receiveCount: number | undefined;
  readonly lastError: string | undefined;
  /** When it was dead-lettered (ms since the epoch). */
  readonly deadAt: number;
  /** Its sequence in the dead-letter stream. */
  readonly sequence: number;
}

// Longest wait for the next dead letter of a fetch (the stream's count says how many to expect).
const fetchExpiresMs = 2_000;

/**
 * The dead letters `NatsSource` copies to its dead-letter subject, to look at
 * and to send back. A redrive publishes each copy to its original subject (ack
 * awaited, the message id `conveyor-redrive:<stream>:<sequence>` so a repeat
 * within the stream's duplicate window is dropped), then deletes it from the
 * dead-letter stream: a crash in between sends it twice at worst, never loses it.
 */
export class NatsDeadLetterStream {
  readonly #connection: NatsConnection;
  readonly #subject: string;
  #stream: string | undefined;

  constructor(options: NatsDeadLetterStreamOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
    if (typeof options.connection?.request !== 'function')
      throw new InvalidOptionError('connection', 'a NatsConnection', options.connection);
    if (typeof options.subject !== 'string' || options.subject === '')
      throw new InvalidOptionError('subject', 'a subject', options.subject);
    this.#connection = options.connection;
    this.#subject = options.subject;
    this.#stream = options.stream;
  }

  /** The dead-letter stream's name (looked up from the subject the first time). */
  async stream(): Promise<string> {
    this.#stream ??= await (await jetstreamManager(this.#connection)).streams.find(this.#subject);
    return this.#stream;
  }

  /** How many dead letters the subject holds. */
  async count(): Promise<number> {
    const jsm = await jetstreamManager(this.#connection);
    const info = await jsm.streams.info(await this.stream(), { subjects_filter: this.#subject });
    return info.state.subjects?.[this.#subject] ?? 0;
  }

  /** Looks at up to `limit` dead letters, oldest first (read with an ephemeral ordered consumer: nothing changes). */
  async peek(limit = 10): Promise<NatsDeadLetter[]> {
    checkLimit(limit);
    return (await this.#read(limit)).map(toDeadLetter);
  }

  /** Sends dead letters back to their subjects (all, or the oldest `limit`), each starting over; resolves to how many moved. */
  async redrive(options: { readonly limit?: number } = {}): Promise<number> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY) checkLimit(limit);
    const stream = await this.stream();
    const js = jetstream(this.#connection);
    const jsm = await jetstreamManager(this.#connection);
    let moved = 0;
    while (moved < limit) {
      const batch = await this.#read(Math.min(100, limit - moved));
      if (batch.length === 0) break;
      for (const message of batch) {
        const subject = message.headers?.get(deadLetterHeaders.subject);
        if (subject === undefined || subject === '')
          throw new NatsError(
            'NATS_API',
            'deadLetter',
            `Dead letter ${stream}:${message.seq} has no ${deadLetterHeaders.subject} header, so its subject is unknown; move it by hand (the ones before it were moved)`,
          );
        const fresh = natsHeaders();
        for (const key of message.headers?.keys() ?? []) {
          if (key.startsWith('Conveyor-') || key.toLowerCase() === 'nats-msg-id') continue;
          for (const value of message.headers?.values(key) ?? []) fresh.append(key, value);
        }
        await js.publish(subject, message.data, { msgID: `conveyor-redrive:${stream}:${message.seq}`, headers: fresh });
        await jsm.streams.deleteMessage(stream, message.seq, false);
        moved++;
      }
    }
    return moved;
  }

  /** Up to `max` messages of the subject, oldest first. */
  async #read(max: number): Promise<JsMsg[]> {
    if (max === 0) return [];
    const expected = Math.min(max, await this.count());
    if (expected === 0) return [];
    const js = jetstream(this.#connection);
    const consumer = await js.consumers.get(await this.stream(), { filter_subjects: this.#subject });
    const messages: JsMsg[] = [];
    try {
      const batch = await consumer.fetch({ max_messages: expected, expires: fetchExpiresMs });
      for await (const message of batch) {
        messages.push(message);
        if (messages.length >= expected) break;
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return messages;
  }
}

function checkLimit(limit: number): void {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)
    throw new InvalidOptionError('limit', 'a non-negative integer', limit);
}

function toDeadLetter(message: JsMsg): NatsDeadLetter {
  const header = (name: string): string | undefined => {
    const value = message.headers?.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const count = Number(header(deadLetterHeaders.receiveCount));
  return {
    id: `${header(deadLetterHeaders.stream) ?? '?'}:${header(deadLetterHeaders.sequence) ?? '?'}`,
    body: message.data,
    subject: header(deadLetterHeaders.subject),
    receiveCount: Number.isFinite(count) ? count : undefined,
    lastError: header(deadLetterHeaders.reason),
    deadAt: Math.floor(Number(message.info.timestampNanos) / 1e6),
    sequence: message.seq,
  };
}
