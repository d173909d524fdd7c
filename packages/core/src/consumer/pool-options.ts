import type { ResourceLimits } from 'node:worker_threads';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { limit, milliseconds, positiveInteger } from '../kit/validation.js';
import { moduleUrl } from './module-url.js';

/** Options of the worker-thread pool (used with `handlerModule` or a source module's handler). */
export interface PoolOptions {
  /** Module run once in every pool thread before its first bulk (its default export is called if a function). */
  poolInitializer?: string | URL;
  /** Resource limits of pool threads; a thread over them dies, and the suspects of its bulk are retried one by one. */
  poolResourceLimits?: ResourceLimits;
  /**
   * Fewest pool threads: the pool grows to `maxHandlers` under load and shrinks
   * back after `threadIdleTimeout` ms without work. @default maxHandlers (a fixed pool)
   */
  minHandlers?: number;
  /** Milliseconds a pool thread above `minHandlers` may stay idle before it is stopped. @default 30000 */
  threadIdleTimeout?: number;
  /**
   * Replace a pool thread after it ran this many bulks (a handler library that
   * leaks): it finishes its parcel, gets no new one, and a fresh thread takes its place. @default Infinity
   */
  maxBulksPerThread?: number;
  /** Replace a pool thread whose memory (its heap and the array buffers it holds) is over this many MB after a parcel. @default Infinity */
  maxThreadHeapMb?: number;
}

/** Pool options with every default applied (0 where there is no limit, for the threads' sake). */
export interface ResolvedPoolOptions {
  readonly poolInitializer: URL | undefined;
  readonly poolResourceLimits: ResourceLimits | undefined;
  readonly minHandlers: number;
  readonly threadIdleTimeout: number;
  readonly maxBulksPerThread: number;
  readonly maxThreadHeapMb: number;
}

export const poolOptionNames = [
  'poolInitializer',
  'poolResourceLimits',
  'minHandlers',
  'threadIdleTimeout',
  'maxBulksPerThread',
  'maxThreadHeapMb',
];

/** Validates the pool options; `maxHandlers` bounds `minHandlers`. */
export function resolvePoolOptions(given: PoolOptions, maxHandlers: number): ResolvedPoolOptions {
  const poolResourceLimits = given.poolResourceLimits;
  if (poolResourceLimits !== undefined && (poolResourceLimits === null || typeof poolResourceLimits !== 'object')) {
    throw new InvalidOptionError('poolResourceLimits', 'an object like { maxOldGenerationSizeMb: 64 }', poolResourceLimits);
  }
  const minHandlers = positiveInteger('minHandlers', given.minHandlers, maxHandlers);
  if (minHandlers > maxHandlers) throw new InvalidOptionError('minHandlers', `at most \`maxHandlers\` (${maxHandlers})`, minHandlers);
  const maxBulksPerThread = limit('maxBulksPerThread', given.maxBulksPerThread, Number.POSITIVE_INFINITY);
  const maxThreadHeapMb = limit('maxThreadHeapMb', given.maxThreadHeapMb, Number.POSITIVE_INFINITY);
  return {
    poolInitializer: given.poolInitializer === undefined ? undefined : moduleUrl('poolInitializer', given.poolInitializer),
    poolResourceLimits,
    minHandlers,
    threadIdleTimeout: milliseconds('threadIdleTimeout', given.threadIdleTimeout, 30_000, { positive: true }),
    maxBulksPerThread: Number.isFinite(maxBulksPerThread) ? maxBulksPerThread : 0,
    maxThreadHeapMb: Number.isFinite(maxThreadHeapMb) ? maxThreadHeapMb : 0,
  };
}
