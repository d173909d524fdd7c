import { integerIn, oneOf, optionsObject, traceContextOption } from '@conveyor/core/kit';
import { InvalidOptionError } from '@conveyor/core';
import type { TraceCarrier } from '@conveyor/core';
import type { BodyFormat } from './body-codec.js';
import type { ConnectionOptions, ResolvedConnectionOptions } from './postgres-source-options.js';
import { migrationHints, resolveConnectionOptions } from './postgres-source-options.js';

/**
 * Options of `new PostgresSender()`. `pool` / `connection` may both be left out
 * when every `send()` is given the `client` of your own transaction.
 */
export interface PostgresSenderOptions extends ConnectionOptions {
  /** How bodies are written: 'json' (any JSON value), 'text' (strings), 'buffer' (bytes, a bytea column). @default 'json' */
  bodyFormat?: BodyFormat;
  /** Most rows one INSERT writes; a larger `send()` runs several, in one transaction. @default 5000 */
  maxBatch?: number;
  /**
   * The trace context to store with each send's rows, asked once a `send()`
   * (`currentTraceContext` of `@conveyor/opentelemetry`): the source's process
   * spans link to it. Needs the `trace_context` column of migration 2 (`migrate()`).
   */
  traceContext?: () => TraceCarrier | undefined;
}

/** Sender options after validation. */
export interface ResolvedPostgresSenderOptions extends ResolvedConnectionOptions {
  readonly bodyFormat: BodyFormat;
  readonly maxBatch: number;
  readonly traceContext: (() => TraceCarrier | undefined) | undefined;
}

/** The defaults of the sender's options. */
export const postgresSenderDefaults: Readonly<{ bodyFormat: BodyFormat; maxBatch: number }> = Object.freeze({
  bodyFormat: 'json',
  maxBatch: 5_000,
});

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolvePostgresSenderOptions(options: PostgresSenderOptions): ResolvedPostgresSenderOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  const given = optionsObject(
    options,
    ['pool', 'connection', 'schema', 'table', 'bodyFormat', 'maxBatch', 'traceContext'],
    migrationHints,
  ) as PostgresSenderOptions;
  return Object.freeze({
    ...resolveConnectionOptions(given, true),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['json', 'text', 'buffer'], postgresSenderDefaults.bodyFormat),
    maxBatch: integerIn('maxBatch', given.maxBatch, 1, 100_000, postgresSenderDefaults.maxBatch),
    traceContext: traceContextOption(given.traceContext),
  });
}
