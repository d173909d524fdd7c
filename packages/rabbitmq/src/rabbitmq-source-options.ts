import type { Options } from 'amqplib';
import { consoleLogger, InvalidOptionError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import {
  backoffOption,
  booleanOption,
  clockOption,
  loggerOption,
  milliseconds,
  nonEmptyString,
  oneOf,
  optionsObject,
  resolveRetryOptions,
} from '@conveyor/core/kit';
import type { BackoffOptions, BackoffPolicy, Clock, RetryOptions } from '@conveyor/core/kit';

/** How a queue is stored: `quorum` (replicated, Raft) or `classic`. */
export type QueueType = 'classic' | 'quorum';

/** How the source decodes bodies: UTF-8 text, JSON, or the raw bytes (a `Buffer`). */
export type BodyFormat = 'text' | 'json' | 'buffer';

/**
 * The key whose messages run one at a time, in queue order (ordered mode):
 * `'queue'` (one key: the whole queue in order), `'routingKey'` (the key the
 * message was published with), or `{ header }` (a header's value; messages
 * without it share the key `''`).
 */
export type OrderingKeyOption = 'queue' | 'routingKey' | { readonly header: string };

/** Options of `new RabbitMqSource()`. Durations are in milliseconds. */
export interface RabbitMqSourceOptions extends RetryOptions {
  /** The broker: `amqp://user:pass@host:port/vhost` (`amqps://` for TLS), or amqplib's connect options. */
  url: string | Options.Connect;
  /** The queue to consume; declared (durable) if missing. */
  queue: string;
  /**
   * Its type. Declared with `x-queue-type`; an existing queue of the other type
   * is never redeclared (`RabbitMqDeclarationError`). @default 'quorum'
   */
  queueType?: QueueType;
  /** Further arguments of the queue's declaration (`x-max-length`, `x-delivery-limit`...). @default {} */
  queueArguments?: Readonly<Record<string, unknown>>;
  /**
   * Declares the queue with `x-single-active-consumer`: with several consumers
   * (processes, poller threads), the broker delivers to one at a time and fails
   * over to the next when its channel closes. @default true with `orderingKey`, else false
   */
  singleActiveConsumer?: boolean;
  /**
   * Ordered mode: one message of a key in flight at a time, in queue order; a
   * charged failure is held in place (unacked) through its backoff and handed out
   * again before anything later of its key. Without it, failures are retried
   * through delay queues, which lets later messages overtake them. @default none (unordered)
   */
  orderingKey?: OrderingKeyOption;
  /**
   * Unacknowledged messages the broker may push to this source (`basic.qos`):
   * a number, or `'auto'`: the room the consumer gives the first `get()` calls,
   * summed (about the Consumer's `maxInFlight`), at most 65535. @default 'auto'
   */
  prefetch?: number | 'auto';
  /** How bodies are decoded; one that does not decode is dead-lettered at once (`RabbitMqBodyError`). @default 'text' */
  bodyFormat?: BodyFormat;
  /** The exchange dead letters are published to; declared durable if missing. @default `<queue>.dead-letter` */
  deadLetterExchange?: string;
  /** The dead-letter exchange's type, when the source declares it. @default 'fanout' */
  deadLetterExchangeType?: 'fanout' | 'direct' | 'topic' | 'headers';
  /**
   * A queue bound to the dead-letter exchange (declared, same type as the work
   * queue), counted by `inspect()`; `false` to bind none yourself. @default `<queue>.dead`
   */
  deadLetterQueue?: string | false;
  /** Routing key of dead letters (and of the dead-letter queue's binding). @default the queue's name */
  deadLetterRoutingKey?: string;
  /** How long an empty `get()` waits for a delivery before it returns `[]`. @default 20000 */
  waitTime?: number;
  /** Waits between reconnect attempts after the connection is lost. @default { baseMs: 100, capMs: 5000, jitter: 'equal' } */
  reconnectBackoff?: BackoffOptions;
  /** The connection's client-provided name (shown by `rabbitmqctl list_connections` and the management UI). @default `conveyor <queue>` */
  connectionName?: string;
  /** Socket options for amqplib (TLS certificates, timeouts). @default {} */
  socketOptions?: Readonly<Record<string, unknown>>;
  /** Where the source logs faults it recovers from. @default warnings and errors to stderr */
  logger?: Logger;
  /** Where the source reads time and schedules retries of ordered mode and reconnects (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** Options after validation. */
export interface ResolvedRabbitMqSourceOptions {
  readonly url: string | Options.Connect;
  readonly queue: string;
  readonly queueType: QueueType;
  readonly queueArguments: Readonly<Record<string, unknown>>;
  readonly singleActiveConsumer: boolean;
  readonly orderingKey: OrderingKeyOption | undefined;
  readonly prefetch: number | 'auto';
  readonly bodyFormat: BodyFormat;
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
  readonly deadLetterExchange: string;
  readonly deadLetterExchangeType: 'fanout' | 'direct' | 'topic' | 'headers';
  readonly deadLetterQueue: string | undefined;
  readonly deadLetterRoutingKey: string;
  readonly waitTime: number;
  readonly reconnectBackoff: BackoffPolicy;
  readonly connectionName: string;
  readonly socketOptions: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** The defaults of the options that have a fixed one. */
export const rabbitMqSourceDefaults: Readonly<{
  queueType: QueueType;
  prefetch: 'auto';
  bodyFormat: BodyFormat;
  deadLetterExchangeType: 'fanout';
  waitTime: number;
  reconnectBackoff: BackoffPolicy;
  maxPrefetch: number;
}> = Object.freeze({
  queueType: 'quorum',
  prefetch: 'auto',
  bodyFormat: 'text',
  deadLetterExchangeType: 'fanout',
  waitTime: 20_000,
  reconnectBackoff: Object.freeze({ baseMs: 100, capMs: 5_000, jitter: 'equal' }),
  /** `basic.qos` prefetch-count is a 16-bit number. */
  maxPrefetch: 65_535,
});

const knownOptions = [
  'url',
  'queue',
  'queueType',
  'queueArguments',
  'singleActiveConsumer',
  'orderingKey',
  'prefetch',
  'bodyFormat',
  'maxReceiveCount',
  'retryBackoff',
  'deadLetterExchange',
  'deadLetterExchangeType',
  'deadLetterQueue',
  'deadLetterRoutingKey',
  'waitTime',
  'reconnectBackoff',
  'connectionName',
  'socketOptions',
  'logger',
  'clock',
];

/** What to write instead of the names amqplib users (and other clients' users) bring. */
const hints: Readonly<Record<string, string>> = {
  prefetchCount: 'prefetch',
  count: 'prefetch',
  noAck: 'Conveyor acknowledges each message after its handler consumed it (manual acks only)',
  arguments: 'queueArguments',
  queueOptions: 'queueArguments',
  durable: 'the source declares its queues durable (quorum queues always are)',
  exclusive: 'the source never declares exclusive queues: use `singleActiveConsumer`',
  exchange: 'the source consumes a queue: bind it to your exchange (RabbitMqSender publishes to exchanges)',
  routingKey: 'the source consumes a queue: bind it to your exchange with this key',
  connection: 'give `url`: the source owns its connections, to recover them',
  channel: 'give `url`: the source owns its channels, to recover them',
  queueName: 'queue',
  maxRetries: 'maxReceiveCount',
  retries: 'maxReceiveCount',
  deliveryLimit: "give `queueArguments: { 'x-delivery-limit': n }` (quorum queues)",
  deadLetterExchangeName: 'deadLetterExchange',
  uri: 'url',
  connectionString: 'url',
  hostname: 'give the host in `url`',
  host: 'give the host in `url`',
};

const reservedArguments: Readonly<Record<string, string>> = {
  'x-queue-type': 'queueType',
  'x-single-active-consumer': 'singleActiveConsumer',
};

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveRabbitMqSourceOptions(options: RabbitMqSourceOptions): ResolvedRabbitMqSourceOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  optionsObject(withoutPasswords(options), knownOptions, hints);
  const given = options;
  const url = urlOption('url', given.url);
  const queue = nonEmptyString('queue', given.queue);
  const queueType = oneOf('queueType', given.queueType, ['classic', 'quorum'], rabbitMqSourceDefaults.queueType);
  const queueArguments = argumentsOption('queueArguments', given.queueArguments);
  const orderingKey = orderingKeyOption(given.orderingKey);
  const deadLetterQueue =
    given.deadLetterQueue === false
      ? undefined
      : given.deadLetterQueue === undefined
        ? `${queue}.dead`
        : nonEmptyString('deadLetterQueue', given.deadLetterQueue);
  const retry = resolveRetryOptions(given);
  return Object.freeze({
    url,
    queue,
    queueType,
    queueArguments,
    singleActiveConsumer: booleanOption('singleActiveConsumer', given.singleActiveConsumer, orderingKey !== undefined),
    orderingKey,
    prefetch: prefetchOption(given.prefetch),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['text', 'json', 'buffer'], rabbitMqSourceDefaults.bodyFormat),
    maxReceiveCount: retry.maxReceiveCount,
    retryBackoff: retry.retryBackoff,
    deadLetterExchange:
      given.deadLetterExchange === undefined ? `${queue}.dead-letter` : nonEmptyString('deadLetterExchange', given.deadLetterExchange),
    deadLetterExchangeType: oneOf(
      'deadLetterExchangeType',
      given.deadLetterExchangeType,
      ['fanout', 'direct', 'topic', 'headers'],
      rabbitMqSourceDefaults.deadLetterExchangeType,
    ),
    deadLetterQueue,
    deadLetterRoutingKey:
      given.deadLetterRoutingKey === undefined ? queue : stringOption('deadLetterRoutingKey', given.deadLetterRoutingKey),
    waitTime: milliseconds('waitTime', given.waitTime, rabbitMqSourceDefaults.waitTime),
    reconnectBackoff: reconnectBackoffOption(given.reconnectBackoff),
    connectionName: given.connectionName === undefined ? `conveyor ${queue}` : nonEmptyString('connectionName', given.connectionName),
    socketOptions: plainObject('socketOptions', given.socketOptions),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}

/**
 * A shallow copy of options with every string that looks like a URL with a
 * password redacted: the unknown-key check quotes values, and a URL under a
 * misspelt key must not put its password into an error message.
 */
export function withoutPasswords(options: unknown): unknown {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return options;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    copy[key] =
      typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(value) ? value.replace(/:[^/@:]*@/, ':***@') : value;
  }
  return copy;
}

/** An `amqp://` or `amqps://` URL, or amqplib's connect options object. */
export function urlOption(name: string, value: unknown): string | Options.Connect {
  if (typeof value === 'string') {
    if (!/^amqps?:\/\//i.test(value)) throw new InvalidOptionError(name, 'an amqp:// or amqps:// URL', '(a string that is not one)');
    return value;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.freeze({ ...(value as Options.Connect) });
  // Never quote the value: a URL carries a password.
  throw new InvalidOptionError(name, 'an amqp:// URL or amqplib connect options', value === undefined ? undefined : typeof value);
}

/** Queue or message arguments: a plain object; the keys Conveyor sets from its own options are refused. */
export function argumentsOption(name: string, value: unknown): Readonly<Record<string, unknown>> {
  const object = plainObject(name, value);
  for (const key of Object.keys(object)) {
    const option = reservedArguments[key];
    if (option !== undefined) throw new InvalidOptionError(`${name}.${key}`, `absent: set it with \`${option}\``, object[key]);
  }
  return object;
}

function plainObject(name: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) return Object.freeze({});
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionError(name, 'an object', value);
  return Object.freeze({ ...(value as Record<string, unknown>) });
}

function stringOption(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidOptionError(name, 'a string', value);
  return value;
}

function orderingKeyOption(value: unknown): OrderingKeyOption | undefined {
  if (value === undefined || value === 'queue' || value === 'routingKey') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const given = optionsObject(value, ['header'], {}, 'orderingKey') as { header?: unknown };
    return Object.freeze({ header: nonEmptyString('orderingKey.header', given.header) });
  }
  throw new InvalidOptionError('orderingKey', "'queue', 'routingKey' or { header: name }", value);
}

function prefetchOption(value: unknown): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  const max = rabbitMqSourceDefaults.maxPrefetch;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidOptionError('prefetch', `'auto' or an integer from 1 to ${max}`, value);
  }
  return value;
}

function reconnectBackoffOption(value: unknown): BackoffPolicy {
  const policy = backoffOption('reconnectBackoff', value, rabbitMqSourceDefaults.reconnectBackoff);
  if (policy === false) throw new InvalidOptionError('reconnectBackoff', 'a backoff ({ baseMs, capMs?, jitter? })', value);
  return policy;
}
