import type { Options } from 'amqplib';
import { InvalidOptionError } from '@conveyor/core';
import type { TraceCarrier } from '@conveyor/core';
import { booleanOption, nonEmptyString, optionsObject, traceContextOption } from '@conveyor/core/kit';
import { urlOption, withoutPasswords } from './rabbitmq-source-options.js';

/** Options of `new RabbitMqSender()`. */
export interface RabbitMqSenderOptions {
  /** The broker: `amqp://user:pass@host:port/vhost`, or amqplib's connect options. */
  url: string | Options.Connect;
  /** Publish to this queue (the default exchange, its name as routing key). Give this, or `exchange` (and `routingKey`). */
  queue?: string;
  /** The exchange to publish to; `''` is the default exchange. @default '' */
  exchange?: string;
  /** The routing key of every message unless `send()` gives one. @default the queue's name, else '' */
  routingKey?: string;
  /** Persistent messages (delivery mode 2), written to disk by the broker. @default true */
  persistent?: boolean;
  /** Mandatory messages: one no queue receives rejects `send()` (`RABBITMQ_UNROUTABLE`) instead of vanishing. @default true */
  mandatory?: boolean;
  /** The connection's client-provided name. @default 'conveyor sender' */
  connectionName?: string;
  /** Socket options for amqplib (TLS certificates, timeouts). @default {} */
  socketOptions?: Readonly<Record<string, unknown>>;
  /**
   * The trace context to send with each message, as the headers `traceparent`
   * and `tracestate`, read once per `send()` / `sendMany()` call:
   * `currentTraceContext` of `@conveyor/opentelemetry`. A message whose headers
   * have a `traceparent` keeps it. @default none
   */
  traceContext?: () => TraceCarrier | undefined;
}

/** Options after validation. */
export interface ResolvedRabbitMqSenderOptions {
  readonly url: string | Options.Connect;
  readonly exchange: string;
  readonly routingKey: string;
  readonly persistent: boolean;
  readonly mandatory: boolean;
  readonly connectionName: string;
  readonly socketOptions: Readonly<Record<string, unknown>>;
  readonly traceContext: (() => TraceCarrier | undefined) | undefined;
}

const knownOptions = [
  'url',
  'queue',
  'exchange',
  'routingKey',
  'persistent',
  'mandatory',
  'connectionName',
  'socketOptions',
  'traceContext',
];
const hints: Readonly<Record<string, string>> = {
  deliveryMode: 'persistent',
  confirm: 'the sender always waits for publisher confirms',
  queueName: 'queue',
  exchangeName: 'exchange',
  uri: 'url',
  connectionString: 'url',
};

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveRabbitMqSenderOptions(options: RabbitMqSenderOptions): ResolvedRabbitMqSenderOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  optionsObject(withoutPasswords(options), knownOptions, hints);
  const given = options;
  const queue = given.queue === undefined ? undefined : nonEmptyString('queue', given.queue);
  if (queue !== undefined && given.exchange !== undefined && given.exchange !== '') {
    throw new InvalidOptionError('exchange', "absent with `queue` (a queue is reached through the default exchange '')", given.exchange);
  }
  const exchange = given.exchange ?? '';
  if (typeof exchange !== 'string') throw new InvalidOptionError('exchange', 'a string', exchange);
  const routingKey = given.routingKey ?? queue ?? '';
  if (typeof routingKey !== 'string') throw new InvalidOptionError('routingKey', 'a string', routingKey);
  const socketOptions = given.socketOptions ?? {};
  if (socketOptions === null || typeof socketOptions !== 'object')
    throw new InvalidOptionError('socketOptions', 'an object', socketOptions);
  return Object.freeze({
    url: urlOption('url', given.url),
    exchange,
    routingKey,
    persistent: booleanOption('persistent', given.persistent, true),
    mandatory: booleanOption('mandatory', given.mandatory, true),
    connectionName: given.connectionName === undefined ? 'conveyor sender' : nonEmptyString('connectionName', given.connectionName),
    socketOptions: Object.freeze({ ...socketOptions }),
    traceContext: traceContextOption(given.traceContext),
  });
}
