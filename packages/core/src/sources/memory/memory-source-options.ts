import type { Clock } from '../../kit/clock.js';
import type { RetryOptions, ResolvedRetryOptions } from '../../kit/retry-options.js';
import { resolveRetryOptions } from '../../kit/retry-options.js';
import { InvalidOptionError } from '../../errors/invalid-option-error.js';
import { clockOption, milliseconds, nonEmptyString, optionsObject, positiveInteger } from '../../kit/validation.js';

/** Options of `new MemorySource()`. */
export interface MemorySourceOptions<T = unknown> extends RetryOptions {
  /** Most messages one `get()` returns. @default 1024 */
  maxMessagesPerGet?: number;
  /** Milliseconds a `get()` waits for messages when empty (long polling). @default 100 */
  waitTime?: number;
  /**
   * Milliseconds a delivered message stays invisible; if it is neither cleaned
   * up nor released by then (its consumer died), it is delivered again. @default 30000
   */
  visibilityTimeout?: number;
  /** Where time is read (tests pass a `ManualClock` from `@conveyor/core/kit`). @default the system clock */
  clock?: Clock;
  /** The queue's name, for telemetry (`describe().destination`). @default 'memory' */
  name?: string;
  /** The shard key of a body: messages of one key are handled one at a time, in order (the consumer's ordered lanes). */
  orderingKey?: (body: T) => string | number | undefined;
}

/** The options with every default applied. */
export interface ResolvedMemorySourceOptions extends ResolvedRetryOptions {
  readonly maxMessagesPerGet: number;
  readonly waitTime: number;
  readonly visibilityTimeout: number;
  readonly clock: Clock;
  readonly name: string;
  readonly orderingKey: ((body: never) => string | number | undefined) | undefined;
}

/** The defaults of every option that has one. */
export const memorySourceDefaults = Object.freeze({
  maxMessagesPerGet: 1024,
  waitTime: 100,
  visibilityTimeout: 30_000,
  name: 'memory',
});

const known = ['maxMessagesPerGet', 'waitTime', 'visibilityTimeout', 'maxReceiveCount', 'retryBackoff', 'clock', 'orderingKey', 'name'];

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveMemorySourceOptions<T>(options: MemorySourceOptions<T> | undefined): ResolvedMemorySourceOptions {
  const given = optionsObject(options, known) as MemorySourceOptions<T>;
  if (given.orderingKey !== undefined && typeof given.orderingKey !== 'function') {
    throw new InvalidOptionError('orderingKey', 'a function of the body returning its key', given.orderingKey);
  }
  return Object.freeze({
    maxMessagesPerGet: positiveInteger('maxMessagesPerGet', given.maxMessagesPerGet, memorySourceDefaults.maxMessagesPerGet),
    waitTime: milliseconds('waitTime', given.waitTime, memorySourceDefaults.waitTime),
    visibilityTimeout: milliseconds('visibilityTimeout', given.visibilityTimeout, memorySourceDefaults.visibilityTimeout),
    ...resolveRetryOptions(given),
    clock: clockOption(given.clock),
    orderingKey: given.orderingKey,
    name: given.name === undefined ? memorySourceDefaults.name : nonEmptyString('name', given.name),
  });
}
