import { consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import {
  clockOption,
  loggerOption,
  milliseconds,
  optionsObject,
  positiveInteger,
  resolveRetryOptions,
  retryDefaults,
} from '@conveyor/core/kit';
import type { Environment, EnvironmentSpec } from './queue-environment.js';
import { environmentDefaults } from './queue-environment.js';
import type { AnyRequestHandlerClass } from './request-handler.js';
import { requestHandlerFilter } from './request-handler-filter.js';
import { workerDefaults } from './worker-options.js';

/**
 * Options of `new ShardedSource(queue, lock, options)`. Those a `Worker` has
 * too keep its `QUEUE_WORKER_*` variable and default.
 */
export interface ShardedSourceOptions {
  /** Only deliver threads of these request handler classes. @default every registered one */
  requestHandlers?: AnyRequestHandlerClass | readonly AnyRequestHandlerClass[];
  /**
   * Most messages one `get()` returns (one batch of one thread). Keep it at or
   * below the Consumer's `bulkSize` for strict per-thread order: the bulks of
   * one delivery may otherwise run side by side. Env `QUEUE_WORKER_BATCH_SIZE`. @default 128
   */
  maxMessagesPerGet?: number;
  /** Milliseconds a `get()` waits for a free non-empty thread before returning empty. @default 200 */
  waitTime?: number;
  /**
   * Milliseconds a delivery may stay unsettled; then its thread is let go and
   * its messages are delivered again (a stuck or lost handler). @default 30000
   */
  visibilityTimeout?: number;
  /**
   * Charged deliveries of a thread's head after which its charged messages go
   * to the dead letters (`Infinity`: never). Only messages handed to the handler
   * that failed are charged (see `isUncharged()`); the others go back to the
   * head at once, uncounted. Env `QUEUE_WORKER_MAX_FAILURES`. @default 5
   */
  maxReceiveCount?: number;
  /**
   * How long a thread whose head failed (charged) is held before its head is
   * delivered again: `baseMs × 2^(failures − 1)` up to `capMs`, with jitter
   * (`false`: at once). A thread is FIFO, so the backoff holds the whole
   * thread's lock — no claimer in any process retries the head sooner, and the
   * thread's later requests wait behind it, as they must.
   * @default { baseMs: 500, capMs: 60000, jitter: 'equal' } (the kit's)
   */
  retryBackoff?: BackoffPolicy | false;
  /** Threads sampled from the index of non-empty threads at each look. Env `QUEUE_WORKER_ACQUIRE_SAMPLE`. @default 64 */
  acquireSample?: number;
  /** Longest wait between two looks for a free thread within `waitTime`. Env `QUEUE_WORKER_ACQUIRE_DELAY` (s). @default 1000 */
  acquireDelay?: number;
  /** Longest time without checking for due deferred requests. Env `QUEUE_WORKER_DEFERRED_RETRY_DELAY` (s). @default 1000 */
  deferredRetryDelay?: number;
  /** Longest time without checking the recurrent schedule. Env `QUEUE_WORKER_RECURRENT_CHECK_INTERVAL` (s). @default 30000 */
  recurrentCheckInterval?: number;
  /** Deferred and recurrent entries moved per storage call. Env `QUEUE_WORKER_RECURRENT_TASKS_LIMIT`. @default 1024 */
  recurrentTasksLimit?: number;
  /** Where the source logs faults. @default warnings and errors to stderr */
  logger?: Logger;
  /** Where waits, visibility timeouts, heartbeats and due checks read time (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** Sharded source options with every default applied (`requestHandlers` as a set, `undefined` for all). */
export interface ResolvedShardedSourceOptions extends Readonly<Required<Omit<ShardedSourceOptions, 'requestHandlers' | 'retryBackoff'>>> {
  readonly requestHandlers: ReadonlySet<AnyRequestHandlerClass> | undefined;
  readonly retryBackoff: BackoffPolicy | false;
}

/** The defaults of every option that has one (before the environment). */
export const shardedSourceDefaults = Object.freeze({
  maxMessagesPerGet: workerDefaults.batchSize,
  waitTime: 200,
  visibilityTimeout: 30_000,
  maxReceiveCount: workerDefaults.maxFailures,
  acquireSample: workerDefaults.acquireSample,
  acquireDelay: workerDefaults.acquireDelay,
  deferredRetryDelay: workerDefaults.deferredRetryDelay,
  recurrentCheckInterval: workerDefaults.recurrentCheckInterval,
  recurrentTasksLimit: workerDefaults.recurrentTasksLimit,
});

const environment: EnvironmentSpec<Exclude<keyof typeof shardedSourceDefaults, 'waitTime' | 'visibilityTimeout'>> = Object.freeze({
  maxMessagesPerGet: ['QUEUE_WORKER_BATCH_SIZE', 'positiveInteger'],
  maxReceiveCount: ['QUEUE_WORKER_MAX_FAILURES', 'positiveInteger'],
  acquireSample: ['QUEUE_WORKER_ACQUIRE_SAMPLE', 'positiveInteger'],
  acquireDelay: ['QUEUE_WORKER_ACQUIRE_DELAY', 'seconds'],
  deferredRetryDelay: ['QUEUE_WORKER_DEFERRED_RETRY_DELAY', 'seconds'],
  recurrentCheckInterval: ['QUEUE_WORKER_RECURRENT_CHECK_INTERVAL', 'seconds'],
  recurrentTasksLimit: ['QUEUE_WORKER_RECURRENT_TASKS_LIMIT', 'positiveInteger'],
} as const);

const known = ['requestHandlers', ...Object.keys(shardedSourceDefaults), 'retryBackoff', 'logger', 'clock'];

// Names a ShardedSource took before (any worker setting was accepted, most were ignored).
const hints = {
  handlers: 'renamed `requestHandlers`',
  maxFailures: 'renamed `maxReceiveCount` (the name every source uses)',
  batchSize: 'a ShardedSource takes `maxMessagesPerGet`',
  emptyLimit: 'a Worker option: a ShardedSource lets a thread it finds empty go at once',
  emptyPause: 'a Worker option: a ShardedSource lets a thread it finds empty go at once',
};

/**
 * Validates options over the environment over the defaults and returns a frozen,
 * fully-typed copy; throws `InvalidOptionError` naming the bad option or variable.
 */
export function resolveShardedSourceOptions(options?: ShardedSourceOptions, env: Environment = process.env): ResolvedShardedSourceOptions {
  const given = optionsObject(options, known, hints) as ShardedSourceOptions;
  const fallback = environmentDefaults(shardedSourceDefaults, environment, env);
  const retry = resolveRetryOptions(given, { maxReceiveCount: fallback.maxReceiveCount, retryBackoff: retryDefaults.retryBackoff });
  return Object.freeze({
    requestHandlers: requestHandlerFilter('requestHandlers', given.requestHandlers),
    maxMessagesPerGet: positiveInteger('maxMessagesPerGet', given.maxMessagesPerGet, fallback.maxMessagesPerGet),
    waitTime: milliseconds('waitTime', given.waitTime, fallback.waitTime),
    visibilityTimeout: milliseconds('visibilityTimeout', given.visibilityTimeout, fallback.visibilityTimeout),
    maxReceiveCount: retry.maxReceiveCount,
    retryBackoff: retry.retryBackoff,
    acquireSample: positiveInteger('acquireSample', given.acquireSample, fallback.acquireSample),
    acquireDelay: milliseconds('acquireDelay', given.acquireDelay, fallback.acquireDelay),
    deferredRetryDelay: milliseconds('deferredRetryDelay', given.deferredRetryDelay, fallback.deferredRetryDelay),
    recurrentCheckInterval: milliseconds('recurrentCheckInterval', given.recurrentCheckInterval, fallback.recurrentCheckInterval),
    recurrentTasksLimit: positiveInteger('recurrentTasksLimit', given.recurrentTasksLimit, fallback.recurrentTasksLimit),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}
