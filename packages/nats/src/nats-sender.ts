import { jetstream } from '@nats-io/jetstream';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidOptionError } from '@conveyor/core';
import { traceHeaders } from '@conveyor/core/kit';
import { toNatsError } from './errors/error-mapping.js';
import type { NatsOutgoingMessage, NatsSenderOptions, ResolvedNatsSenderOptions } from './nats-sender-options.js';
import { resolveNatsSenderOptions } from './nats-sender-options.js';

/** What JetStream answered to one publish. */
export interface NatsPublished {
  readonly stream: string;
  /** The stream sequence the message got (the `id` a `NatsSource` delivers it with). */
  readonly sequence: number;
  /** The stream had a message with the same `msgID` within its duplicate window: this one was dropped. */
  readonly duplicate: boolean;
}

const encoder = new TextEncoder();

/**
 * The producer side: JetStream publishes whose acks are awaited, so a resolved
 * `send()` means the stream stored the message. `sendBatch()` keeps up to
 * `window` publishes in flight and awaits their acks together; a `msgID` per
 * message lets the stream drop a message sent twice (a retried batch).
 *
 * ```ts
 * const sender = new NatsSender({ servers: 'nats://127.0.0.1:4222', subject: 'ORDERS.new', bodyFormat: 'json' });
 * await sender.sendBatch(orders.map((order) => ({ body: order, msgID: order.id })));
 * ```
 */
export class NatsSender {
  readonly #options: ResolvedNatsSenderOptions;
  #connection: Promise<{ connection: NatsConnection; js: JetStreamClient }> | undefined;
  #owned: NatsConnection | undefined;

  constructor(options: NatsSenderOptions) {
    this.#options = resolveNatsSenderOptions(options);
  }

  /** Publishes one message (a bare body goes to the sender's `subject`); resolves once the stream stored it. */
  async send(message: NatsOutgoingMessage | string | Uint8Array): Promise<NatsPublished> {
    const [published] = await this.sendBatch([message]);
    return published as NatsPublished;
  }

  /**
   * Publishes messages in order of their promises, `window` at a time, and
   * resolves with each one's ack; rejects with the first failure (`NatsError`)
   * after the window it was in settled (a retry with the same `msgID`s sends no duplicates).
   */
  async sendBatch(messages: ReadonlyArray<NatsOutgoingMessage | string | Uint8Array>): Promise<NatsPublished[]> {
    const trace = traceHeaders(this.#options.traceContext?.());
    const prepared = messages.map((message, index) => this.#prepare(message, index, trace));
    const { js } = await this.#open();
    const results: NatsPublished[] = [];
    for (let start = 0; start < prepared.length; start += this.#options.window) {
      const window = prepared.slice(start, start + this.#options.window);
      const acks = await Promise.allSettled(
        window.map(({ subject, data, msgID, headers }) =>
          js.publish(subject, data, {
            timeout: this.#options.timeout,
            ...(msgID === undefined ? {} : { msgID }),
            ...(headers === undefined ? {} : { headers }),
          }),
        ),
      );
      for (const ack of acks) {
        if (ack.status === 'rejected') throw toNatsError(ack.reason, 'publish');
        results.push(publishedOf(ack.value));
      }
    }
    return results;
  }

  /** Closes the connection if the sender opened it. */
  async close(): Promise<void> {
    const owned = this.#owned;
    this.#owned = undefined;
    this.#connection = undefined;
    if (owned !== undefined && !owned.isClosed()) await owned.close();
  }

  #open(): Promise<{ connection: NatsConnection; js: JetStreamClient }> {
    this.#connection ??= (async () => {
      let connection = this.#options.connection;
      if (connection === undefined) {
        try {
          connection = await connect({ ...this.#options.connectionOptions, servers: [...this.#options.servers] });
        } catch (error) {
          this.#connection = undefined;
          throw toNatsError(error, 'connect');
        }
        this.#owned = connection;
      }
      return { connection, js: jetstream(connection) };
    })();
    return this.#connection;
  }

  #prepare(message: NatsOutgoingMessage | string | Uint8Array, index: number, trace: Readonly<Record<string, string>>) {
    const outgoing: NatsOutgoingMessage = typeof message === 'string' || message instanceof Uint8Array ? { body: message } : message;
    const subject = outgoing.subject ?? this.#options.subject;
    if (subject === undefined || subject === '') {
      throw new InvalidOptionError(`messages[${index}].subject`, 'a subject (or the sender option `subject`)', outgoing.subject);
    }
    let headers: ReturnType<typeof natsHeaders> | undefined;
    if (outgoing.headers !== undefined) {
      headers = natsHeaders();
      for (const [key, value] of Object.entries(outgoing.headers)) {
        for (const one of typeof value === 'string' ? [value] : value) headers.append(key, one);
      }
    }
    // The message's own traceparent wins over the sender's.
    if (trace.traceparent !== undefined && outgoing.headers?.traceparent === undefined) {
      headers ??= natsHeaders();
      for (const [key, value] of Object.entries(trace)) headers.set(key, value);
    }
    return { subject, data: this.#encode(outgoing.body, index), msgID: outgoing.msgID, headers };
  }

  #encode(body: unknown, index: number): Uint8Array {
    if (typeof body === 'string') return encoder.encode(body);
    if (body instanceof Uint8Array) return body;
    if (this.#options.bodyFormat === 'json') return encoder.encode(JSON.stringify(body));
    throw new InvalidOptionError(`messages[${index}].body`, "a string or bytes (or `bodyFormat: 'json'`)", body);
  }
}

function publishedOf(ack: PubAck): NatsPublished {
  return { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
}
