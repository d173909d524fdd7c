import { randomUUID } from 'node:crypto';
import type { Options } from 'amqplib';
import { traceHeaders } from '@conveyor/core/kit';
import type { BrokerAddress } from './broker-address.js';
import { brokerAddress } from './broker-address.js';
import type { Publication } from './publisher.js';
import { Publisher } from './publisher.js';
import type { RabbitMqSenderOptions, ResolvedRabbitMqSenderOptions } from './rabbitmq-sender-options.js';
import { resolveRabbitMqSenderOptions } from './rabbitmq-sender-options.js';

/** Per-message options of `send()`: AMQP properties and headers. */
export interface SendOptions {
  /** Overrides the sender's routing key. */
  readonly routingKey?: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  /** @default a random UUID */
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly type?: string;
  readonly appId?: string;
  readonly priority?: number;
  /** Per-message TTL in milliseconds. */
  readonly expiration?: number;
  /** @default 'text/plain' for strings, 'application/octet-stream' for bytes, 'application/json' for anything else */
  readonly contentType?: string;
  /** @default now, in milliseconds since the epoch */
  readonly timestamp?: number;
}

/**
 * A producer for RabbitMQ: persistent messages, publisher confirms (`send()`
 * resolves once the broker has them), headers and routing keys. A string body
 * goes as UTF-8 text, a `Buffer`/`Uint8Array` as is, anything else as JSON.
 * Opens its connection on the first send and again after a loss.
 *
 * ```ts
 * const sender = new RabbitMqSender({ url, queue: 'orders' });
 * await sender.sendMany([{ id: 1 }, { id: 2 }]);
 * await sender.send('hello', { headers: { customer: 'c-7' } });
 * ```
 */
export class RabbitMqSender {
  readonly #options: ResolvedRabbitMqSenderOptions;
  readonly #address: BrokerAddress;
  readonly #publisher: Publisher;

  constructor(options: RabbitMqSenderOptions) {
    this.#options = resolveRabbitMqSenderOptions(options);
    this.#address = brokerAddress(this.#options.url);
    this.#publisher = new Publisher(this.#address, this.#options.connectionName, this.#options.socketOptions);
  }

  /** The validated options. */
  get options(): ResolvedRabbitMqSenderOptions {
    return this.#options;
  }

  /** Where it sends, password hidden. */
  get target(): string {
    return this.#address.display;
  }

  /** Sends one message; resolves to its message id once the broker confirmed it. */
  async send(body: unknown, options: SendOptions = {}): Promise<string> {
    const [id] = await this.sendMany([body], options);
    return id as string;
  }

  /** Sends messages in order; resolves to their message ids once the broker confirmed every one. */
  async sendMany(bodies: readonly unknown[], options: SendOptions = {}): Promise<string[]> {
    const trace = traceHeaders(this.#options.traceContext?.());
    const publications = bodies.map((body) => this.#publication(body, options, trace));
    await this.#publisher.publish(publications);
    return publications.map((publication) => publication.options.messageId as string);
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#publisher.close();
  }

  #publication(body: unknown, options: SendOptions, trace: Readonly<Record<string, string>>): Publication {
    const { content, contentType } = encode(body);
    const publish: Options.Publish = {
      persistent: this.#options.persistent,
      mandatory: this.#options.mandatory,
      messageId: options.messageId ?? randomUUID(),
      contentType: options.contentType ?? contentType,
      timestamp: options.timestamp ?? Date.now(),
    };
    // The message's own traceparent wins over the sender's.
    const headers: Record<string, unknown> | undefined =
      trace.traceparent === undefined || options.headers?.traceparent !== undefined ? options.headers : { ...options.headers, ...trace };
    if (headers !== undefined) publish.headers = { ...headers };
    if (options.correlationId !== undefined) publish.correlationId = options.correlationId;
    if (options.replyTo !== undefined) publish.replyTo = options.replyTo;
    if (options.type !== undefined) publish.type = options.type;
    if (options.appId !== undefined) publish.appId = options.appId;
    if (options.priority !== undefined) publish.priority = options.priority;
    if (options.expiration !== undefined) publish.expiration = String(options.expiration);
    return { exchange: this.#options.exchange, routingKey: options.routingKey ?? this.#options.routingKey, content, options: publish };
  }
}

function encode(body: unknown): { content: Buffer; contentType: string } {
  if (typeof body === 'string') return { content: Buffer.from(body, 'utf8'), contentType: 'text/plain' };
  if (Buffer.isBuffer(body)) return { content: body, contentType: 'application/octet-stream' };
  if (body instanceof Uint8Array)
    return { content: Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType: 'application/octet-stream' };
  return { content: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' };
}
