import type { TraceCarrier } from '@conveyor/core';
import { InvalidOptionError } from '@conveyor/core';
import { nonEmptyString, optionsObject, traceContextOption } from '@conveyor/core/kit';

/** Options of `new RedisListSender(redis, options)`. */
export interface RedisListSenderOptions {
  /** The list a `RedisListSource` with the same `key` consumes. */
  key: string;
  /**
   * The trace context to store with each message, read once per `send()` call:
   * `currentTraceContext` of `@conveyor/opentelemetry` (the consumer's process
   * spans link to it). @default none
   */
  traceContext?: () => TraceCarrier | undefined;
}

/** The options, validated. */
export interface ResolvedRedisListSenderOptions {
  readonly key: string;
  readonly traceContext: (() => TraceCarrier | undefined) | undefined;
}

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveRedisListSenderOptions(options: RedisListSenderOptions): ResolvedRedisListSenderOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object with `key`', options);
  const given = optionsObject(options, ['key', 'traceContext']) as Partial<RedisListSenderOptions>;
  return Object.freeze({ key: nonEmptyString('key', given.key), traceContext: traceContextOption(given.traceContext) });
}
