import { randomUUID } from 'node:crypto';
import type { ConsumeMessage, MessageProperties } from 'amqplib';
import { failuresOf } from './conveyor-headers.js';
import { RabbitMqBodyError } from './errors/rabbitmq-body-error.js';
import type { RabbitMqMessage, RabbitMqProperties } from './rabbitmq-message.js';
import type { BodyFormat, OrderingKeyOption } from './rabbitmq-source-options.js';

/**
 * One delivery as the source keeps it: the message handed out, and what it
 * needs to settle it (the raw content and properties, to publish a retry or a
 * dead letter).
 */
export interface Delivery<T = unknown> {
  readonly generation: number;
  readonly tag: number;
  readonly raw: ConsumeMessage;
  /** The message's id (its `message-id`, or one made up). */
  readonly id: string;
  /** Charged failures before this hand-out (ordered mode counts held retries here). */
  failures: number;
  /** What `get()` hands out; ordered mode replaces it for each local retry. */
  message: RabbitMqMessage<T>;
  /** Ordered mode: the ordering key. */
  readonly key: string | undefined;
}

/** A delivery whose body did not decode: it goes to the dead letters, never to a handler. */
export interface UndecodableDelivery {
  readonly generation: number;
  readonly tag: number;
  readonly raw: ConsumeMessage;
  readonly id: string;
  readonly failures: number;
  readonly error: RabbitMqBodyError;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Reads a delivery: decodes its body, its receive count and its ordering key. */
export function readDelivery<T>(
  raw: ConsumeMessage,
  generation: number,
  format: BodyFormat,
  orderingKey: OrderingKeyOption | undefined,
  queue: string,
): Delivery<T> | UndecodableDelivery {
  const tag = raw.fields.deliveryTag;
  const headers = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const id = typeof raw.properties.messageId === 'string' && raw.properties.messageId !== '' ? raw.properties.messageId : randomUUID();
  const failures = failuresOf(headers);
  let body: unknown;
  try {
    body = decode(raw.content, format);
  } catch (cause) {
    return { generation, tag, raw, id, failures, error: new RabbitMqBodyError(id, format === 'json' ? 'json' : 'text', cause) };
  }
  const deliveryCount = headers['x-delivery-count'];
  const message: RabbitMqMessage<T> = {
    id,
    body: body as T,
    receiveCount: failures + 1,
    receipt: { generation, deliveryTag: tag },
    exchange: raw.fields.exchange,
    routingKey: raw.fields.routingKey,
    redelivered: raw.fields.redelivered,
    deliveryCount: typeof deliveryCount === 'number' ? deliveryCount : undefined,
    headers,
    properties: propertiesOf(raw.properties),
  };
  return { generation, tag, raw, id, failures, message, key: keyOf(message, orderingKey, queue) };
}

/** True for a delivery that did not decode. */
export function isUndecodable(delivery: Delivery | UndecodableDelivery): delivery is UndecodableDelivery {
  return 'error' in delivery;
}

/** The ordering key of a message under `option`; undefined when unordered. */
export function keyOf(message: RabbitMqMessage<unknown>, option: OrderingKeyOption | undefined, queue: string): string | undefined {
  if (option === undefined) return undefined;
  if (option === 'queue') return queue;
  if (option === 'routingKey') return message.routingKey;
  const value = message.headers[option.header];
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

function decode(content: Buffer, format: BodyFormat): unknown {
  switch (format) {
    case 'buffer':
      return content;
    case 'text':
      return textDecoder.decode(content);
    case 'json':
      return JSON.parse(textDecoder.decode(content)) as unknown;
  }
}

const propertyNames = [
  'contentType',
  'contentEncoding',
  'correlationId',
  'replyTo',
  'type',
  'appId',
  'userId',
  'timestamp',
  'priority',
  'expiration',
  'deliveryMode',
] as const;

function propertiesOf(properties: MessageProperties): RabbitMqProperties {
  const result: Record<string, unknown> = {};
  for (const name of propertyNames) {
    const value: unknown = properties[name];
    if (value !== undefined && value !== null) result[name] = value;
  }
  return result;
}
