import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { consoleLogger, InvalidOptionError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import {
  booleanOption,
  clockOption,
  integerIn,
  loggerOption,
  milliseconds,
  nonEmptyString,
  objectWithMethods,
  oneOf,
  optionsObject,
  positiveInteger,
  resolveRetryOptions,
} from '@conveyor/core/kit';
import type { BackoffPolicy, Clock, RetryOptions } from '@conveyor/core/kit';

/** Where messages that can never be consumed go: a subject that a stream of its own keeps. */
export interface NatsDeadLetterOptions {
  /** The stream that keeps the dead letters (created with the source's stream when `create` is on). @default `<stream>_dead_letters` */
  readonly stream?: string;
  /** The subject copies are published to; it must not be one of the source stream's subjects. @default `dead-letters.<stream>.<consumer>` */
  readonly subject?: string;
}

/** What `orderingKey()` answers: the message's subject, or the value of one of its headers. */
export type NatsOrderingKey = 'subject' | { readonly header: string };

/** Options of `new NatsSource()`. Durations are milliseconds (JetStream's nanoseconds are converted). */
export interface NatsSourceOptions extends RetryOptions {
  /** An open connection (it stays open on `close()`). Give this or `servers`. */
  connection?: NatsConnection;
  /** Servers of a connection the source opens on first use and closes on `close()`: `'nats://127.0.0.1:4222'`. */
  servers?: string | readonly string[];
  /**
   * More options of the connection the source opens (`user`, `pass`, `token`, `name`, `tls`...).
   * @default { maxReconnectAttempts: -1 } (reconnect for ever; JetStream keeps what was not acknowledged)
   */
  connectionOptions?: Omit<NodeConnectionOptions, 'servers'>;
  /** The stream to consume. */
  stream: string;
  /** The durable pull consumer's name (`durable_name`): consumers sharing it share the work. */
  consumer: string;
  /**
   * Create the stream, the durable consumer and the dead-letter stream when absent.
   * `false`: bind to existing ones (a missing one is a `NatsError` `NATS_NOT_FOUND`).
   * An existing consumer is never changed: one that contradicts the options is a `NatsConsumerConfigError`.
   * @default true
   */
  create?: boolean;
  /** Subjects of the stream when the source creates it. @default [`<stream>.>`] */
  subjects?: readonly string[];
  /** The consumer's `filter_subject` (a created consumer gets it; a bound one must have it). @default none: every subject of the stream */
  filterSubject?: string;
  /**
   * The lease: the consumer's `ack_wait` in ms. A delivered message not acknowledged, refused or
   * renewed (`extend()`, a `+WPI` progress ack) within it is delivered again. A created consumer
   * gets it; a bound one must have it when it is given. @default 30000 (created), the consumer's (bound)
   */
  ackWait?: number;
  /** The consumer's `max_ack_pending` (a created consumer gets it; a bound one must have it when given). @default 1000 (created) */
  maxAckPending?: number;
  /** Most messages one `get()` fetches (`max_messages`; the consumer's hint may ask for fewer). @default 256 */
  maxMessages?: number;
  /** How long a `get()` long-polls an empty stream (the fetch's `expires`, at least 1000 ms). @default 5000 */
  maxWait?: number;
  /**
   * After a fetch's first message arrives, how long `get()` waits for more before it returns a
   * partial batch (the rest of that fetch is kept for the next `get()`). @default 5
   */
  fetchLinger?: number;
  /**
   * 'text' decodes UTF-8 (a body that is not valid UTF-8 is dead-lettered), 'json' parses it
   * (a body that does not parse is dead-lettered), 'buffer' hands the bytes (a `Uint8Array`).
   * @default 'text'
   */
  bodyFormat?: 'text' | 'json' | 'buffer';
  /** Where messages that can never be consumed go. @default { stream: `<stream>_dead_letters`, subject: `dead-letters.<stream>.<consumer>` } */
  deadLetter?: NatsDeadLetterOptions;
  /** What `orderingKey()` answers; see the README for what order holds. @default none (no ordering key) */
  orderingKey?: NatsOrderingKey;
  /** Longest back-off in ms after a failed fetch (it doubles from 100 ms, with jitter). @default 5000 */
  maxErrorBackoff?: number;
  /** Where the source logs faults it recovers from. @default warnings and errors to stderr */
  logger?: Logger;
  /** Where the source reads time and waits (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** The defaults of the options that have a fixed one. */
export const natsSourceDefaults = Object.freeze({
  create: true,
  ackWait: 30_000,
  maxAckPending: 1000,
  maxMessages: 256,
  maxWait: 5000,
  fetchLinger: 5,
  bodyFormat: 'text',
  maxErrorBackoff: 5000,
});

/** Options after validation. */
export interface ResolvedNatsSourceOptions {
  readonly connection: NatsConnection | undefined;
  readonly servers: readonly string[];
  readonly connectionOptions: Omit<NodeConnectionOptions, 'servers'>;
  readonly stream: string;
  readonly consumer: string;
  readonly create: boolean;
  readonly subjects: readonly string[];
  readonly filterSubject: string | undefined;
  /** Given: created with it, or checked against a bound consumer; undefined: the default for a created consumer, the consumer's own when bound. */
  readonly ackWait: number | undefined;
  readonly maxAckPending: number | undefined;
  readonly maxMessages: number;
  readonly maxWait: number;
  readonly fetchLinger: number;
  readonly bodyFormat: 'text' | 'json' | 'buffer';
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
  readonly deadLetter: Readonly<{ stream: string; subject: string }>;
  readonly orderingKey: NatsOrderingKey | undefined;
  readonly maxErrorBackoff: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

const knownOptions = [
  'connection',
  'servers',
  'connectionOptions',
  'stream',
  'consumer',
  'create',
  'subjects',
  'filterSubject',
  'ackWait',
  'maxAckPending',
  'maxMessages',
  'maxWait',
  'fetchLinger',
  'bodyFormat',
  'maxReceiveCount',
  'retryBackoff',
  'deadLetter',
  'orderingKey',
  'maxErrorBackoff',
  'logger',
  'clock',
];

/** What to write instead of the names users bring from nats.js and JetStream's consumer config. */
const hints: Readonly<Record<string, string>> = {
  nc: 'connection',
  durable: 'consumer',
  durable_name: 'consumer',
  name: 'did you mean `consumer`? (the durable consumer name) or `stream`?',
  ack_wait: 'did you mean `ackWait`? (milliseconds, not nanoseconds)',
  max_deliver: 'did you mean `maxReceiveCount`? (the source dead-letters; see the README on max_deliver)',
  max_ack_pending: 'maxAckPending',
  filter_subject: 'filterSubject',
  filter_subjects: 'did you mean `filterSubject`? (one subject)',
  max_messages: 'maxMessages',
  batch: 'maxMessages',
  expires: 'did you mean `maxWait`? (milliseconds)',
  callback: 'the handler is a Consumer option',
};

/** JetStream forbids these in stream and consumer names. */
const badNameCharacters = /[\s.*>/\\]/;

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveNatsSourceOptions(options: NatsSourceOptions): ResolvedNatsSourceOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  const given = optionsObject(options, knownOptions, hints) as Partial<NatsSourceOptions>;
  const connection =
    given.connection === undefined
      ? undefined
      : objectWithMethods<NatsConnection>('connection', given.connection, ['publish', 'request', 'flush', 'close'], 'a NatsConnection');
  const servers = serverList(given.servers);
  if ((connection === undefined) === (servers.length === 0)) {
    throw new InvalidOptionError(
      'servers',
      'a server URL or a list of them, or a `connection` instead (exactly one of them)',
      given.servers,
    );
  }
  const connectionOptions = given.connectionOptions ?? {};
  if ((connectionOptions as unknown) === null || typeof connectionOptions !== 'object') {
    throw new InvalidOptionError('connectionOptions', 'an object of nats.js connection options', connectionOptions);
  }
  if (connection !== undefined && given.connectionOptions !== undefined) {
    throw new InvalidOptionError('connectionOptions', 'absent when `connection` is given', given.connectionOptions);
  }
  const stream = jetStreamName('stream', given.stream);
  const consumer = jetStreamName('consumer', given.consumer);
  const subjects = given.subjects === undefined ? [`${stream}.>`] : subjectList('subjects', given.subjects);
  const deadLetter = resolveDeadLetter(given.deadLetter, stream, consumer);
  if (subjects.some((subject) => subjectCovers(subject, deadLetter.subject))) {
    throw new InvalidOptionError(
      'deadLetter.subject',
      `a subject outside the stream's subjects (${subjects.join(', ')})`,
      deadLetter.subject,
    );
  }
  const maxWait = milliseconds('maxWait', given.maxWait, natsSourceDefaults.maxWait);
  if (maxWait < 1000) throw new InvalidOptionError('maxWait', 'at least 1000 ms (JetStream fetches expire no sooner)', maxWait);
  const retry = resolveRetryOptions(given);
  return Object.freeze({
    connection,
    servers: Object.freeze(servers),
    connectionOptions: Object.freeze({ maxReconnectAttempts: -1, ...connectionOptions }),
    stream,
    consumer,
    create: booleanOption('create', given.create, natsSourceDefaults.create),
    subjects: Object.freeze(subjects),
    filterSubject: given.filterSubject === undefined ? undefined : subjectName('filterSubject', given.filterSubject),
    ackWait: given.ackWait === undefined ? undefined : milliseconds('ackWait', given.ackWait, 0, { positive: true }),
    maxAckPending: given.maxAckPending === undefined ? undefined : positiveInteger('maxAckPending', given.maxAckPending, 1),
    maxMessages: integerIn('maxMessages', given.maxMessages, 1, 10_000, natsSourceDefaults.maxMessages),
    maxWait,
    fetchLinger: milliseconds('fetchLinger', given.fetchLinger, natsSourceDefaults.fetchLinger),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['text', 'json', 'buffer'], natsSourceDefaults.bodyFormat),
    maxReceiveCount: retry.maxReceiveCount,
    retryBackoff: retry.retryBackoff,
    deadLetter,
    orderingKey: resolveOrderingKey(given.orderingKey),
    maxErrorBackoff: milliseconds('maxErrorBackoff', given.maxErrorBackoff, natsSourceDefaults.maxErrorBackoff),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}

function serverList(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((server) => typeof server === 'string' && server !== ''))
    return [...(value as string[])];
  throw new InvalidOptionError('servers', 'a server URL or a non-empty list of them', value);
}

function jetStreamName(name: string, value: unknown): string {
  const text = nonEmptyString(name, value);
  if (badNameCharacters.test(text)) throw new InvalidOptionError(name, 'a JetStream name (no spaces, dots, *, >, / or \\)', value);
  return text;
}

function subjectName(name: string, value: unknown): string {
  const text = nonEmptyString(name, value);
  if (/\s/.test(text) || text.startsWith('.') || text.endsWith('.') || text.includes('..')) {
    throw new InvalidOptionError(name, 'a NATS subject (dot-separated tokens, no spaces)', value);
  }
  return text;
}

function subjectList(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(name, 'a non-empty array of subjects', value);
  return value.map((subject, index) => subjectName(`${name}[${index}]`, subject));
}

function resolveDeadLetter(value: unknown, stream: string, consumer: string): ResolvedNatsSourceOptions['deadLetter'] {
  const given = optionsObject(value, ['stream', 'subject'], {}, 'deadLetter') as NatsDeadLetterOptions;
  return Object.freeze({
    stream: given.stream === undefined ? `${stream}_dead_letters` : jetStreamName('deadLetter.stream', given.stream),
    subject: given.subject === undefined ? `dead-letters.${stream}.${consumer}` : subjectName('deadLetter.subject', given.subject),
  });
}

function resolveOrderingKey(value: unknown): NatsOrderingKey | undefined {
  if (value === undefined || value === 'subject') return value;
  const expected = "'subject' or { header: '<name>' }";
  if (value === null || typeof value !== 'object') throw new InvalidOptionError('orderingKey', expected, value);
  const given = optionsObject(value, ['header'], {}, 'orderingKey') as { header?: unknown };
  return Object.freeze({ header: nonEmptyString('orderingKey.header', given.header) });
}

/** Whether subscribing to `pattern` would receive messages published to `subject`. */
export function subjectCovers(pattern: string, subject: string): boolean {
  const wanted = pattern.split('.');
  const tokens = subject.split('.');
  for (let index = 0; index < wanted.length; index++) {
    const token = wanted[index];
    if (token === '>') return tokens.length > index;
    if (index >= tokens.length) return false;
    if (token !== '*' && token !== tokens[index]) return false;
  }
  return wanted.length === tokens.length;
}
