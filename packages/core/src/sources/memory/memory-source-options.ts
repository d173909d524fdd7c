import type { Clock } from '../../kit/clock.js';
import type { RetryOptions, ResolvedRetryOptions } from '../../kit/retry-options.js';
import { resolveRetryOptions } from '../../kit/retry-options.js';
import { clockOption, milliseconds, optionsObject, positiveInteger } from '../../kit/validation.js';

/** Options of `new MemorySource()`. */
export interface MemorySourceOptions extends RetryOptions {
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
}

/** The options with every default applied. */
export interface ResolvedMemorySourceOptions extends ResolvedRetryOptions {
  readonly maxMessagesPerGet: number;
  readonly waitTime: number;
  readonly visibilityTimeout: number;
  readonly clock: Clock;
}

/** The defaults of every option that has one. */
export const memorySourceDefaults = Object.freeze({
  maxMessagesPerGet: 1024,
  waitTime: 100,
  visibilityTimeout: 30_000,
});

const known = ['maxMessagesPerGet', 'waitTime', 'visibilityTimeout', 'maxReceiveCount', 'retryBackoff', 'clock'];

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveMemorySourceOptions(options: MemorySourceOptions | undefined): ResolvedMemorySourceOptions {
  const given = optionsObject(options, known) as MemorySourceOptions;
  return Object.freeze({
    maxMessagesPerGet: positiveInteger('maxMessagesPerGet', given.maxMessagesPerGet, memorySourceDefaults.maxMessagesPerGet),
    waitTime: milliseconds('waitTime', given.waitTime, memorySourceDefaults.waitTime),
    visibilityTimeout: milliseconds('visibilityTimeout', given.visibilityTimeout, memorySourceDefaults.visibilityTimeout),
    ...resolveRetryOptions(given),
    clock: clockOption(given.clock),
  });
}
