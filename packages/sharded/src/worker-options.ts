import { consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { Clock } from '@conveyor/core/kit';
import { clockOption, integerIn, loggerOption, milliseconds, optionsObject, positiveInteger } from '@conveyor/core/kit';
import type { Environment, EnvironmentSpec } from './queue-environment.js';
import { environmentDefaults } from './queue-environment.js';

/**
 * Options of `new Worker(lock, queue, options)`. Every one but `logger` and `clock` has the
 * original library's default and is read from its `QUEUE_WORKER_*` variable
 * (durations in seconds there); a value given in code wins. Durations in code
 * are milliseconds.
 */
export interface WorkerOptions {
  /** Longest an idle worker waits before looking for a thread again. Env `QUEUE_WORKER_ACQUIRE_DELAY` (s). @default 1000 */
  acquireDelay?: number;
  /** Requests per `handle()` call, unless the request handler's `batchSize()` says otherwise. Env `QUEUE_WORKER_BATCH_SIZE`. @default 128 */
  batchSize?: number;
  /**
   * Longest an idle worker goes without checking for due deferred requests
   * (a due time it knows of is met to the millisecond). Env `QUEUE_WORKER_DEFERRED_RETRY_DELAY` (s). @default 1000
   */
  deferredRetryDelay?: number;
  /** Empty reads of its thread after which a worker lets the thread go. Env `QUEUE_WORKER_EMPTY_LIMIT`. @default 16 */
  emptyLimit?: number;
  /**
   * Milliseconds between two empty reads of the claimed thread; also the first
   * pause after a failed batch (doubling up to `acquireDelay`). Env `QUEUE_WORKER_EMPTY_PAUSE` (s). @default 100
   */
  emptyPause?: number;
  /** Longest a worker goes without checking the recurrent schedule. Env `QUEUE_WORKER_RECURRENT_CHECK_INTERVAL` (s). @default 30000 */
  recurrentCheckInterval?: number;
  /**
   * Recurrent (and deferred) entries moved per storage call; a worker calls
   * again until none is due, so nothing is ever dropped. Env `QUEUE_WORKER_RECURRENT_TASKS_LIMIT`. @default 1024
   */
  recurrentTasksLimit?: number;
  /** Failed attempts of one batch after which its requests go to the dead letters. Env `QUEUE_WORKER_MAX_FAILURES`. @default 5 */
  maxFailures?: number;
  /** Threads a worker samples from the index of non-empty threads when looking for one. Env `QUEUE_WORKER_ACQUIRE_SAMPLE`. @default 64 */
  acquireSample?: number;
  /** Where the worker logs faults. @default warnings and errors to stderr */
  logger?: Logger;
  /** Where the worker's pauses, heartbeats and due checks read time (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** Worker options with every default applied. */
export type ResolvedWorkerOptions = Readonly<Required<WorkerOptions>>;

/** The defaults, in milliseconds where they are durations (before the environment). */
export const workerDefaults = Object.freeze({
  acquireDelay: 1000,
  batchSize: 128,
  deferredRetryDelay: 1000,
  emptyLimit: 16,
  emptyPause: 100,
  recurrentCheckInterval: 30_000,
  recurrentTasksLimit: 1024,
  maxFailures: 5,
  acquireSample: 64,
});

/** The original library's variables for the worker options. */
export const workerEnvironment: EnvironmentSpec<keyof typeof workerDefaults> = Object.freeze({
  acquireDelay: ['QUEUE_WORKER_ACQUIRE_DELAY', 'seconds'],
  batchSize: ['QUEUE_WORKER_BATCH_SIZE', 'positiveInteger'],
  deferredRetryDelay: ['QUEUE_WORKER_DEFERRED_RETRY_DELAY', 'seconds'],
  emptyLimit: ['QUEUE_WORKER_EMPTY_LIMIT', 'nonNegativeInteger'],
  emptyPause: ['QUEUE_WORKER_EMPTY_PAUSE', 'seconds'],
  recurrentCheckInterval: ['QUEUE_WORKER_RECURRENT_CHECK_INTERVAL', 'seconds'],
  recurrentTasksLimit: ['QUEUE_WORKER_RECURRENT_TASKS_LIMIT', 'positiveInteger'],
  maxFailures: ['QUEUE_WORKER_MAX_FAILURES', 'positiveInteger'],
  acquireSample: ['QUEUE_WORKER_ACQUIRE_SAMPLE', 'positiveInteger'],
} as const);

/** Largest count an option like `emptyLimit` takes (a bound for the message, not a tuning knob). */
export const maxCount = 1_000_000_000;

const known = [...Object.keys(workerDefaults), 'logger', 'clock'];

/**
 * Validates worker options over the environment over the defaults and returns a
 * frozen, fully-typed copy; throws `InvalidOptionError` naming the bad option or variable.
 */
export function resolveWorkerOptions(options?: WorkerOptions, env: Environment = process.env): ResolvedWorkerOptions {
  const given = optionsObject(options, known) as WorkerOptions;
  const fallback = environmentDefaults(workerDefaults, workerEnvironment, env);
  return Object.freeze({
    acquireDelay: milliseconds('acquireDelay', given.acquireDelay, fallback.acquireDelay),
    batchSize: positiveInteger('batchSize', given.batchSize, fallback.batchSize),
    deferredRetryDelay: milliseconds('deferredRetryDelay', given.deferredRetryDelay, fallback.deferredRetryDelay),
    emptyLimit: integerIn('emptyLimit', given.emptyLimit, 0, maxCount, fallback.emptyLimit),
    emptyPause: milliseconds('emptyPause', given.emptyPause, fallback.emptyPause),
    recurrentCheckInterval: milliseconds('recurrentCheckInterval', given.recurrentCheckInterval, fallback.recurrentCheckInterval),
    recurrentTasksLimit: positiveInteger('recurrentTasksLimit', given.recurrentTasksLimit, fallback.recurrentTasksLimit),
    maxFailures: positiveInteger('maxFailures', given.maxFailures, fallback.maxFailures),
    acquireSample: positiveInteger('acquireSample', given.acquireSample, fallback.acquireSample),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}
