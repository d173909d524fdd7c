import { availableParallelism } from 'node:os';
import type { Handler } from '../bulk/handler.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { Logger } from '../kit/logger.js';
import { consoleLogger } from '../kit/logger.js';
import {
  booleanOption,
  clockOption,
  loggerOption,
  milliseconds,
  objectWithMethods,
  oneOf,
  optionsObject,
  positiveInteger,
  signalOption,
} from '../kit/validation.js';
import { maxRefBulkSize, maxRefPollers } from '../threads/message-refs.js';
import type { Clock } from '../kit/clock.js';
import type { RateLimit, RateLimiter } from '../pipeline/rate-limiter.js';
import { rateLimitOption, rateLimiterOption } from './rate-limit-option.js';
import type { OrderingKey } from '../pipeline/lane-queue.js';
import type { PoolOptions, ResolvedPoolOptions } from './pool-options.js';
import { poolOptionNames, resolvePoolOptions } from './pool-options.js';
import type { BulkTransfer } from '../threads/wire-format.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { consumerMigrationHints } from './migration-hints.js';
import { moduleUrl } from './module-url.js';
import type { SourcePlan } from './source-plan.js';

/**
 * A parcel carries at most this many messages: big enough to amortise the
 * thread hop (and, inline, the per-parcel queueing and settling), small enough
 * that two threads share a get() result.
 */
export const maxParcelMessages = 2048;
export type { BulkTransfer };

/** Options of `new Consumer(source, options)`. */
export interface ConsumerOptions<M> extends PoolOptions {
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
  /**
   * How bulks are sent to pool threads. 'json': a parcel crosses as one JSON
   * string when every message is plain JSON data, else as structured data;
   * 'structured': always structured (v8 serialization: Map, Set, Date, BigInt,
   * Buffers survive). Either way a handler sees what the source gave: a message
   * that cannot cross unchanged (a function, a class instance) fails with
   * `MessageEncodingError` without running the handler.
   * @default 'json'
   */
  transfer?: BulkTransfer;
  /**
   * Milliseconds one bulk may run. Past it the bulk fails with
   * `HandlerTimeoutError` (the messages taken before the held one stay
   * consumed): on a pool thread the thread is terminated and replaced; inline,
   * the late completion is ignored. 0: no limit. @default 0
   */
  handlerTimeout?: number;
  /**
   * Pollers stop polling while this many messages are received and not yet
   * settled. Unset, the consumer sizes the limit itself: about 250 ms of
   * messages at the measured settle rate, from max(1024, 4 × maxHandlers ×
   * bulkSize) up to 4 times that or (2 × maxHandlers + 1) × 2048, whichever is
   * more (two parcels a handler slot and one being packed); twice as deep with
   * ordered lanes, whose messages waiting behind their key hold room. Deep for
   * fast handlers, shallow for slow ones, so a consumer does not hoard what
   * others could take. Set, it is fixed.
   * @default adaptive
   */
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
  /**
   * Ordered lanes: messages with the same key run one at a time, in arrival
   * order, while keys run in parallel on every thread; a failing message holds
   * only its key until it comes back and succeeds (or is dead-lettered).
   * Default: the source's `orderingKey()` (SQS message group, sharded thread...);
   * `false` turns lanes off.
   */
  orderingKey?: ((message: M) => OrderingKey | undefined) | false;
  /**
   * Milliseconds a key waits for its failed message to come back before it moves
   * on without it (taken by another consumer, or dead-lettered by a source that
   * does not say so). @default 120000
   */
  orderingHoldTimeout?: number;
  /**
   * Paces the whole consumer: at most `messages` handled per `per` ms
   * (`{ messages, per }`, a token bucket in this process), or a `RateLimiter`
   * shared by several processes (`RedisRateLimiter` from `@conveyor/redis`).
   */
  rateLimit?: RateLimit | RateLimiter;
  /**
   * Paces each ordering key: at most `messages` of one key handed to handlers
   * per `per` ms (a token bucket per key, in this process). A key out of tokens
   * waits aside while the other keys go on, so a hot key never holds back
   * others. Needs ordering keys (the `orderingKey` option or the source's own);
   * messages without a key are not paced by it. Applies together with `rateLimit`.
   */
  keyRateLimit?: RateLimit;
  /** Where the consumer reads time (rate limits); tests pass a `ManualClock` from `@conveyor/core/kit`. @default the system clock */
  clock?: Clock;
  /** Aborting this signal shuts the consumer down. */
  signal?: AbortSignal;
  /** Where the consumer logs faults. @default warnings and errors to stderr */
  logger?: Logger;
}

/** The defaults of every option that does not depend on the machine or on other options. */
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

/**
 * Where the handler comes from: the `handler` option, `handlerModule`, or the
 * source itself: an object source's `handler` method (inline), or the class of
 * a source given as a module (its `handler`, run on each pool thread on an
 * instance of its own).
 */
export type HandlerOrigin = 'handler' | 'handlerModule' | 'source';

/** Options after validation, with every default applied. */
export interface ResolvedConsumerOptions<M> extends ResolvedPoolOptions {
  readonly handler: Handler<M> | undefined;
  readonly handlerFrom: HandlerOrigin;
  readonly handlerModule: URL | undefined;
  readonly handlerExport: string;
  readonly executor: 'threads' | 'inline';
  readonly maxPollers: number;
  readonly maxHandlers: number;
  readonly bulkSize: number;
  readonly pollInterval: number;
  readonly maxPollBackoff: number;
  readonly transfer: BulkTransfer;
  readonly handlerTimeout: number;
  /** The in-flight limit: fixed when `maxInFlight` was given, else the ceiling of the adaptive limit (twice as deep with ordered lanes). */
  readonly maxInFlight: number;
  /** Where the in-flight limit starts, and its floor: `maxInFlight` when it was given (then the limit never moves). */
  readonly inFlightFloor: number;
  readonly shutdownTimeout: number;
  readonly settleAttempts: number;
  readonly pollerThreads: boolean;
  readonly metrics: ConsumerMetrics | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly keyRateLimit: RateLimit | undefined;
  /** The `orderingKey` option: a function, `false` (no lanes), or undefined (the source's own, if any). */
  readonly orderingKey: ((message: M) => OrderingKey | undefined) | false | undefined;
  readonly orderingHoldTimeout: number;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
}

const knownOptions = [
  'handler',
  'handlerModule',
  'handlerExport',
  'executor',
  'maxPollers',
  'maxHandlers',
  'bulkSize',
  'pollInterval',
  'maxPollBackoff',
  'transfer',
  'handlerTimeout',
  'maxInFlight',
  'shutdownTimeout',
  'settleAttempts',
  'pollerThreads',
  'metrics',
  'rateLimit',
  'keyRateLimit',
  'orderingKey',
  'orderingHoldTimeout',
  'clock',
  'signal',
  'logger',
  ...poolOptionNames,
];

/**
 * Validates options against the source they go with and returns a frozen,
 * fully-typed copy; throws `InvalidOptionError` naming the bad one.
 */
export function resolveConsumerOptions<M>(options: ConsumerOptions<M> | undefined, plan: SourcePlan<M>): ResolvedConsumerOptions<M> {
  const given = optionsObject(options, knownOptions, consumerMigrationHints) as ConsumerOptions<M>;
  const cores = availableParallelism();

  const handler = given.handler;
  if (handler !== undefined && typeof handler !== 'function') throw new InvalidOptionError('handler', 'a function', handler);
  const handlerModule = given.handlerModule === undefined ? undefined : moduleUrl('handlerModule', given.handlerModule);
  const handlerExport = given.handlerExport ?? consumerDefaults.handlerExport;
  if (typeof handlerExport !== 'string' || handlerExport === '')
    throw new InvalidOptionError('handlerExport', 'a non-empty string', handlerExport);

  // Where the handler comes from: an inline function, a handler module, or the source class itself
  // (a source given as a module whose class has a `handler`: each pool thread builds its own instance).
  const fromSource = handler === undefined && handlerModule === undefined && plan.kind === 'module';
  const executor = oneOf(
    'executor',
    given.executor,
    ['threads', 'inline'],
    handlerModule !== undefined || (fromSource && given.executor === undefined) ? 'threads' : 'inline',
  );
  if (executor === 'threads' && handlerModule === undefined && !fromSource) {
    throw new InvalidOptionError(
      'handlerModule',
      "a module path or URL when `executor` is 'threads' (pool threads load the handler from a module, or from a source given as a module)",
      given.handlerModule,
    );
  }
  const inlineHandler = handler ?? (plan.kind === 'object' ? plan.handler : undefined);
  if (executor === 'inline' && inlineHandler === undefined && plan.kind === 'object') {
    throw new InvalidOptionError('handler', 'a function (or a source with a `handler` method, or a `handlerModule`)', handler);
  }
  const handlerFrom: HandlerOrigin =
    handlerModule !== undefined && executor === 'threads' ? 'handlerModule' : handler !== undefined ? 'handler' : 'source';

  const maxPollers = positiveInteger('maxPollers', given.maxPollers, cores);
  const maxHandlers = positiveInteger('maxHandlers', given.maxHandlers, cores);
  const bulkSize = positiveInteger('bulkSize', given.bulkSize, consumerDefaults.bulkSize);
  const pollInterval = milliseconds('pollInterval', given.pollInterval, consumerDefaults.pollInterval);
  const maxPollBackoff = milliseconds('maxPollBackoff', given.maxPollBackoff, consumerDefaults.maxPollBackoff);
  const transfer = oneOf('transfer', given.transfer, ['json', 'structured'], consumerDefaults.transfer);
  const handlerTimeout = milliseconds('handlerTimeout', given.handlerTimeout, 0);
  const inFlightFloor = positiveInteger('maxInFlight', given.maxInFlight, Math.max(1024, 4 * maxHandlers * bulkSize));
  // The adaptive limit's ceiling holds at least what keeps every handler slot fed with
  // parcels of the largest size: two a slot (one running, one waiting) and one being
  // packed. At 4 x the floor alone (4,096 for 2 threads of bulks of 128), a fast
  // handler's parcels of ~1,000 messages left the poller waiting for room, and the
  // threads for parcels.
  const maxInFlight =
    given.maxInFlight === undefined ? Math.max(4 * inFlightFloor, (2 * maxHandlers + 1) * maxParcelMessages) : inFlightFloor;
  if (maxInFlight < bulkSize) throw new InvalidOptionError('maxInFlight', `at least \`bulkSize\` (${bulkSize})`, maxInFlight);
  const shutdownTimeout = milliseconds('shutdownTimeout', given.shutdownTimeout, consumerDefaults.shutdownTimeout);
  const settleAttempts = positiveInteger('settleAttempts', given.settleAttempts, consumerDefaults.settleAttempts);

  const pollerThreads = booleanOption('pollerThreads', given.pollerThreads, false);
  if (pollerThreads) {
    if (plan.kind !== 'module') {
      throw new InvalidOptionError(
        'pollerThreads',
        'used with a source given as a module ({ module, export, options }), so each thread can build its own',
        pollerThreads,
      );
    }
    if (executor !== 'threads')
      throw new InvalidOptionError('executor', "'threads' with `pollerThreads` (messages stay off the main thread)", executor);
    if (maxPollers > maxRefPollers)
      throw new InvalidOptionError('maxPollers', `at most ${maxRefPollers} with \`pollerThreads\``, maxPollers);
    if (bulkSize > maxRefBulkSize) throw new InvalidOptionError('bulkSize', `at most ${maxRefBulkSize} with \`pollerThreads\``, bulkSize);
  }

  const clock = clockOption(given.clock);
  const orderingKey = given.orderingKey;
  if (orderingKey !== undefined && orderingKey !== false && typeof orderingKey !== 'function') {
    throw new InvalidOptionError('orderingKey', 'a function of the message returning its key, or false', orderingKey);
  }
  if (typeof orderingKey === 'function' && pollerThreads) {
    throw new InvalidOptionError('orderingKey', 'absent with `pollerThreads` (messages stay in their poller thread)', orderingKey);
  }
  const keyRateLimit = rateLimitOption('keyRateLimit', given.keyRateLimit);
  if (keyRateLimit !== undefined && (orderingKey === false || pollerThreads)) {
    throw new InvalidOptionError(
      'keyRateLimit',
      'absent without ordering keys',
      given.keyRateLimit,
      orderingKey === false ? 'it paces each ordering key, and `orderingKey` is false' : 'lanes are off with `pollerThreads`',
    );
  }
  if (keyRateLimit !== undefined && orderingKey === undefined && plan.kind === 'object' && typeof plan.source.orderingKey !== 'function') {
    throw new InvalidOptionError(
      'keyRateLimit',
      'set only when messages have ordering keys',
      given.keyRateLimit,
      'give the consumer an `orderingKey` function (this source has no key of its own)',
    );
  }
  return Object.freeze({
    handler: inlineHandler,
    handlerFrom,
    handlerModule,
    handlerExport,
    executor,
    maxPollers,
    maxHandlers,
    bulkSize,
    pollInterval,
    maxPollBackoff,
    ...resolvePoolOptions(given, maxHandlers),
    transfer,
    handlerTimeout,
    maxInFlight,
    inFlightFloor,
    shutdownTimeout,
    settleAttempts,
    pollerThreads,
    metrics: metricsOption(given.metrics),
    rateLimiter: rateLimiterOption(given.rateLimit, clock),
    keyRateLimit,
    orderingKey,
    orderingHoldTimeout: milliseconds('orderingHoldTimeout', given.orderingHoldTimeout, 120_000, { positive: true }),
    clock,
    signal: signalOption(given.signal),
    logger: loggerOption(given.logger, consoleLogger),
  });
}

/** A `ConsumerMetrics` backend, checked for the methods the consumer calls. */
export function metricsOption(value: unknown): ConsumerMetrics | undefined {
  if (value === undefined) return undefined;
  return objectWithMethods<ConsumerMetrics>(
    'metrics',
    value,
    ['received', 'settled', 'settleError'],
    'an object with `received`, `settled` and `settleError` methods (see ConsumerMetrics)',
  );
}
