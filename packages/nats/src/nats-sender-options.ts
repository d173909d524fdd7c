import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { InvalidOptionError } from '@conveyor/core';
import type { TraceCarrier } from '@conveyor/core';
import { integerIn, milliseconds, nonEmptyString, objectWithMethods, oneOf, optionsObject, traceContextOption } from '@conveyor/core/kit';

/** One message to publish. */
export interface NatsOutgoingMessage {
  /** A string (UTF-8), bytes, or — with `bodyFormat: 'json'` — any JSON value. */
  readonly body: unknown;
  /** Where to publish. @default the sender's `subject` */
  readonly subject?: string;
  /** Headers to set (a list for a header with several values). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** `Nats-Msg-Id`: the stream drops a second message with the same id within its duplicate window. */
  readonly msgID?: string;
}

/** Options of `new NatsSender()`. */
export interface NatsSenderOptions {
  /** An open connection (it stays open on `close()`). Give this or `servers`. */
  connection?: NatsConnection;
  /** Servers of a connection the sender opens on first use and closes on `close()`. */
  servers?: string | readonly string[];
  /** More options of the connection the sender opens (`user`, `pass`, `token`...). */
  connectionOptions?: Omit<NodeConnectionOptions, 'servers'>;
  /** The subject of messages that name none. @default none: each message names its subject */
  subject?: string;
  /** 'json' stringifies bodies that are not strings or bytes; 'text' sends strings and bytes only. @default 'text' */
  bodyFormat?: 'text' | 'json';
  /** Publishes whose acks `sendBatch()` awaits at once. @default 256 */
  window?: number;
  /** How long one publish waits for JetStream's ack. @default 5000 */
  timeout?: number;
  /**
   * The trace context to publish with each message, as the headers `traceparent`
   * and `tracestate`, read once per `send()` / `sendBatch()` call:
   * `currentTraceContext` of `@conveyor/opentelemetry`. A message whose headers
   * have a `traceparent` keeps it. @default none
   */
  traceContext?: () => TraceCarrier | undefined;
}

/** Options after validation. */
export interface ResolvedNatsSenderOptions {
  readonly connection: NatsConnection | undefined;
  readonly servers: readonly string[];
  readonly connectionOptions: Omit<NodeConnectionOptions, 'servers'>;
  readonly subject: string | undefined;
  readonly bodyFormat: 'text' | 'json';
  readonly window: number;
  readonly timeout: number;
  readonly traceContext: (() => TraceCarrier | undefined) | undefined;
}

const known = ['connection', 'servers', 'connectionOptions', 'subject', 'bodyFormat', 'window', 'timeout', 'traceContext'];
const hints: Readonly<Record<string, string>> = {
  nc: 'connection',
  msgID: 'give `msgID` per message',
  headers: 'give `headers` per message',
};

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveNatsSenderOptions(options: NatsSenderOptions): ResolvedNatsSenderOptions {
  const given = optionsObject(options, known, hints) as NatsSenderOptions;
  const connection =
    given.connection === undefined
      ? undefined
      : objectWithMethods<NatsConnection>('connection', given.connection, ['publish', 'request', 'flush', 'close'], 'a NatsConnection');
  const servers = given.servers === undefined ? [] : typeof given.servers === 'string' ? [given.servers] : [...given.servers];
  if (!servers.every((server) => typeof server === 'string' && server !== '')) {
    throw new InvalidOptionError('servers', 'a server URL or a list of them', given.servers);
  }
  if ((connection === undefined) === (servers.length === 0)) {
    throw new InvalidOptionError(
      'servers',
      'a server URL or a list of them, or a `connection` instead (exactly one of them)',
      given.servers,
    );
  }
  return Object.freeze({
    connection,
    servers: Object.freeze(servers),
    connectionOptions: Object.freeze({ ...(given.connectionOptions ?? {}) }),
    subject: given.subject === undefined ? undefined : nonEmptyString('subject', given.subject),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['text', 'json'], 'text'),
    window: integerIn('window', given.window, 1, 10_000, 256),
    timeout: milliseconds('timeout', given.timeout, 5000, { positive: true }),
    traceContext: traceContextOption(given.traceContext),
  });
}
