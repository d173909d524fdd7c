import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { InvalidOptionError } from './errors.js';
import type { Handler } from './handler.js';
import type { Logger } from './logger.js';
import type { ConsumerMetrics } from './metrics.js';
import { consoleLogger } from './logger.js';
import { maxRefBulkSize, maxRefPollers } from './poller-threads/message-refs.js';

/** How bulks cross into pool threads. */
export type BulkTransfer = 'json' | 'clone';

/** Options of `new Consumer(source, options)`. */
export interface ConsumerOptions<M> {
  /** Handler run inline on the main thread (through p-queue). Overrides `source.handler`. */
  handler?: Handler<M>;
  /**
   * Path or file URL of a module whose export (`handlerExport`) is the handler,
   * run on the Piscina worker-thread pool. Relative paths resolve from the working directory.
   */
  handlerModule?: string | URL;
  /** Which export of `handlerModule` is the handler. @default 'default' */
  handlerExport?: string;
  /** Where handlers run. @default 'threads' when `handlerModule` is given, else 'inline' */
  executor?: 'threads' | 'inline';
  /** Number of concurrent polling loops. @default os.availableParallelism() */
  maxPollers?: number;
  /** Concurrent handler runs (pool threads for 'threads'). @default os.availableParallelism() */
  maxHandlers?: number;
  /** Messages per handler call; a `get()` result is cut into bulks of this size. @default 1 */
  bulkSize?: number;
  /** Milliseconds to sleep between two `get()` calls of one poller. @default 0 */
  pollInterval?: number;
  /** Longest sleep after empty or failed `get()` calls (backoff doubles up to this). @default 1000 */
  maxPollBackoff?: number;
  /** Module run once in every pool thread before its first bulk (its default export is called if a function). */
  poolInitializer?: string | URL;
  /** Resource limits of pool threads; a thread over them dies and its bulk fails. */
  poolResourceLimits?: ResourceLimits;
  /**
   * How bulks are sent to pool threads: 'json' sends a whole parcel of bulks as
   * one string (fastest; messages must be JSON data), 'clone' uses structured
   * cloning (Dates, Maps, typed arrays survive). A bulk JSON cannot encode falls back to 'clone'.
   * @default 'json'
   */
  transfer?: BulkTransfer;
  /** Pollers stop polling while this many messages are received and not yet settled. @default max(1024, 4 × maxHandlers × bulkSize) */
  maxInFlight?: number;
  /** Milliseconds `shutdown()` waits for running bulks before abandoning them. @default 30000 */
  shutdownTimeout?: number;
  /** Attempts of a failing `cleanup()` or `release()` call before it is given up (and reported). @default 5 */
  settleAttempts?: number;
  /**
   * Run each poller on its own worker thread, with its own source built from
   * the source module, so the source's synchronous work (parsing, decompression)
   * never blocks the main thread. Needs a source given as a `SourceModule` and a
   * `handlerModule`; bulks go to the pool as bytes, transferred without a copy.
   * The `consumed`/`failed` events then carry message refs (numbers), not messages.
   * @default false
   */
  pollerThreads?: boolean;
  /** Receives counters and timings (received, consumed, failed, handler time, queue wait). */
  metrics?: ConsumerMetrics;
  /** Aborting this signal shuts the consumer down. */
  signal?: AbortSignal;
  /** Where the consumer logs faults. @default warnings and errors to stderr */
  logger?: Logger;
}

/** The defaults of every option that has one. */
export const consumerDefaults: Readonly<{
  handlerExport: string;
  bulkSize: number;
  pollInterval: number;
  maxPollBackoff: number;
  transfer: BulkTransfer;
  shutdownTimeout: number;
  settleAttempts: number;
}> = Object.freeze({
  handlerExport: 'default',
  bulkSize: 1,
  pollInterval: 0,
  maxPollBackoff: 1000,
  transfer: 'json',
  shutdownTimeout: 30_000,
  settleAttempts: 5,
});

/** Options after validation, with every default applied. */
export interface ResolvedConsumerOptions<M> {
  readonly handler: Handler<M> | undefined;
  readonly handlerModule: URL | undefined;
  readonly handlerExport: string;
  readonly executor: 'threads' | 'inline';
  readonly maxPollers: number;
  readonly maxHandlers: number;
  readonly bulkSize: number;
  readonly pollInterval: number;
  readonly maxPollBackoff: number;
  readonly poolInitializer: URL | undefined;
  readonly poolResourceLimits: ResourceLimits | undefined;
  readonly transfer: BulkTransfer;
  readonly maxInFlight: number;
  readonly shutdownTimeout: number;
  readonly settleAttempts: number;
  readonly pollerThreads: boolean;
  readonly metrics: ConsumerMetrics | undefined;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
}

const knownOptions = new Set([
  'handler',
  'handlerModule',
  'handlerExport',
  'executor',
  'maxPollers',
  'maxHandlers',
  'bulkSize',
  'pollInterval',
  'maxPollBackoff',
  'poolInitializer',
  'poolResourceLimits',
  'transfer',
  'maxInFlight',
  'shutdownTimeout',
  'settleAttempts',
  'pollerThreads',
  'metrics',
  'signal',
  'logger',
]);

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveConsumerOptions<M>(
  options: ConsumerOptions<M> | undefined,
  sourceHandler: Handler<M> | undefined,
  sourceIsModule = false,
): ResolvedConsumerOptions<M> {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key))
      throw new InvalidOptionError(key, 'one of the known options, not an unknown key', (options as Record<string, unknown>)[key]);
  }
  const cores = availableParallelism();

  const handler = options.handler;
  if (handler !== undefined && typeof handler !== 'function') throw new InvalidOptionError('handler', 'a function', handler);
  const handlerModule = options.handlerModule === undefined ? undefined : moduleUrl('handlerModule', options.handlerModule);
  const handlerExport = options.handlerExport ?? consumerDefaults.handlerExport;
  if (typeof handlerExport !== 'string' || handlerExport === '')
    throw new InvalidOptionError('handlerExport', 'a non-empty string', handlerExport);

  const executor = options.executor ?? (handlerModule !== undefined ? 'threads' : 'inline');
  if (executor !== 'threads' && executor !== 'inline') throw new InvalidOptionError('executor', "'threads' or 'inline'", executor);
  if (executor === 'threads' && handlerModule === undefined) {
    throw new InvalidOptionError(
      'handlerModule',
      "a module path or URL when `executor` is 'threads' (pool threads load the handler from a module)",
      options.handlerModule,
    );
  }
  const inlineHandler = handler ?? sourceHandler;
  if (executor === 'inline' && inlineHandler === undefined) {
    throw new InvalidOptionError('handler', 'a function (or a source with a `handler` method, or a `handlerModule`)', handler);
  }

  const maxPollers = positiveInteger('maxPollers', options.maxPollers, cores);
  const maxHandlers = positiveInteger('maxHandlers', options.maxHandlers, cores);
  const bulkSize = positiveInteger('bulkSize', options.bulkSize, consumerDefaults.bulkSize);
  const pollInterval = nonNegativeNumber('pollInterval', options.pollInterval, consumerDefaults.pollInterval);
  const maxPollBackoff = nonNegativeNumber('maxPollBackoff', options.maxPollBackoff, consumerDefaults.maxPollBackoff);
  const poolInitializer = options.poolInitializer === undefined ? undefined : moduleUrl('poolInitializer', options.poolInitializer);
  const poolResourceLimits = options.poolResourceLimits;
  if (poolResourceLimits !== undefined && (poolResourceLimits === null || typeof poolResourceLimits !== 'object')) {
    throw new InvalidOptionError('poolResourceLimits', 'an object like { maxOldGenerationSizeMb: 64 }', poolResourceLimits);
  }
  const transfer = options.transfer ?? consumerDefaults.transfer;
  if (transfer !== 'json' && transfer !== 'clone') throw new InvalidOptionError('transfer', "'json' or 'clone'", transfer);
  const maxInFlight = positiveInteger('maxInFlight', options.maxInFlight, Math.max(1024, 4 * maxHandlers * bulkSize));
  if (maxInFlight < bulkSize) throw new InvalidOptionError('maxInFlight', `at least \`bulkSize\` (${bulkSize})`, maxInFlight);
  const shutdownTimeout = nonNegativeNumber('shutdownTimeout', options.shutdownTimeout, consumerDefaults.shutdownTimeout);
  const settleAttempts = positiveInteger('settleAttempts', options.settleAttempts, consumerDefaults.settleAttempts);

  const pollerThreads = options.pollerThreads ?? false;
  if (typeof pollerThreads !== 'boolean') throw new InvalidOptionError('pollerThreads', 'a boolean', pollerThreads);
  if (pollerThreads) {
    if (!sourceIsModule)
      throw new InvalidOptionError(
        'pollerThreads',
        'used with a source given as a module ({ module, export, options }), so each thread can build its own',
        pollerThreads,
      );
    if (executor !== 'threads')
      throw new InvalidOptionError('executor', "'threads' with `pollerThreads` (messages stay off the main thread)", executor);
    if (maxPollers > maxRefPollers)
      throw new InvalidOptionError('maxPollers', `at most ${maxRefPollers} with \`pollerThreads\``, maxPollers);
    if (bulkSize > maxRefBulkSize) throw new InvalidOptionError('bulkSize', `at most ${maxRefBulkSize} with \`pollerThreads\``, bulkSize);
  }

  const metrics = options.metrics;
  if (metrics !== undefined) {
    for (const method of ['received', 'settled', 'settleError'] as const) {
      if (metrics === null || typeof (metrics as unknown as Record<string, unknown>)[method] !== 'function') {
        throw new InvalidOptionError('metrics', `an object with a \`${method}\` method (see ConsumerMetrics)`, metrics);
      }
    }
  }

  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  const logger = options.logger ?? consoleLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as unknown as Record<string, unknown>)[level] !== 'function') {
      throw new InvalidOptionError('logger', `a logger with a \`${level}\` method (pino's shape)`, logger);
    }
  }

  return Object.freeze({
    handler: inlineHandler,
    handlerModule,
    handlerExport,
    executor,
    maxPollers,
    maxHandlers,
    bulkSize,
    pollInterval,
    maxPollBackoff,
    poolInitializer,
    poolResourceLimits,
    transfer,
    maxInFlight,
    shutdownTimeout,
    settleAttempts,
    pollerThreads,
    metrics,
    signal,
    logger,
  });
}

export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(name, 'a positive integer', value);
  }
  return value;
}

export function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(name, 'a finite number >= 0', value);
  }
  return value;
}

/** Turns a path or URL into a file URL and checks the file exists, so a typo fails at construction. */
export function moduleUrl(name: string, value: unknown): URL {
  let url: URL;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && value !== '') {
    // A scheme of two letters or more is a URL; a bare path (or a Windows drive letter) is a path.
    url = /^[a-z][a-z0-9+.-]+:/i.test(value) ? new URL(value) : pathToFileURL(isAbsolute(value) ? value : resolve(value));
  } else {
    throw new InvalidOptionError(name, 'a module path or file URL', value);
  }
  if (url.protocol !== 'file:') throw new InvalidOptionError(name, 'a file path or file: URL', String(value));
  if (!existsSync(fileURLToPath(url))) throw new InvalidOptionError(name, 'the path of an existing module file', String(value));
  return url;
}
