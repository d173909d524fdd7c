import type { Settlement } from './bulk.js';
import { Dispatcher } from './dispatcher.js';
import { ConsumerStateError, InvalidSourceError, ShutdownError, ShutdownTimeoutError } from './errors.js';
import type { ConsumerEvents } from './events.js';
import type { ConsumerMetrics } from './metrics.js';
import type { Executor } from './executors/executor.js';
import { InlineExecutor } from './executors/inline-executor.js';
import { PoolExecutor } from './executors/pool-executor.js';
import { FlightGate } from './flight-gate.js';
import type { ConsumerOptions, ResolvedConsumerOptions } from './options.js';
import { resolveConsumerOptions } from './options.js';
import { runPoller } from './poller.js';
import { Settler } from './settler.js';
import type { Source, SourceDepth, SourceModule } from './source.js';
import { isSourceModule, loadSourceModule } from './source-module.js';
import { moduleUrl } from './options.js';
import { PollerThreadGroup } from './poller-threads/poller-thread-group.js';
import { Supervisor } from './supervisor.js';
import { TypedEmitter } from './typed-emitter.js';

/** Options of `consumer.supervise()`. */
export interface SuperviseOptions {
  /** Resolve only when the consumer shuts down; SIGINT and SIGTERM then shut it down gracefully. @default false */
  blocking?: boolean;
  /** Milliseconds between two health checks. @default 1000 */
  pollInterval?: number;
}

/** A snapshot of what the consumer is doing. */
export interface ConsumerStats {
  readonly state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped';
  readonly inFlight: number;
  readonly pendingBulks: number;
  readonly pollersAlive: number;
  readonly pollerRestarts: number;
  readonly poolThreads: number;
  readonly received: number;
  readonly consumed: number;
  readonly failed: number;
}

const defaultSuperviseInterval = 1000;

/** Resolves true when `promise` settles within `ms`, false after `ms`. */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

/** Stands in for a module source until start() builds it. */
const unloadedSource: Source<unknown> = {
  get: () => Promise.reject(new InvalidSourceError('The source module is loaded by start()')),
};
// A pool task carries at most this many messages: big enough to amortise the
// thread hop, small enough that two threads share a get() result.
const maxParcelMessages = 2048;

/**
 * Pulls bulks of messages from a source with several pollers, runs a handler
 * on each bulk (on a pool of worker threads or inline), and cleans up only the
 * messages that were consumed; failed ones go back to the source.
 *
 * ```ts
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 64 });
 * await consumer.start();
 * await consumer.supervise({ blocking: true });
 * ```
 */
export class Consumer<M> extends TypedEmitter<ConsumerEvents<M>> {
  #source: Source<M>;
  readonly #sourceModule: { readonly module: string; readonly export: string; readonly options: unknown } | undefined;
  #pollerThreads: PollerThreadGroup | undefined;
  readonly #options: ResolvedConsumerOptions<M>;
  readonly #gate: FlightGate;
  readonly #pollersAbort = new AbortController();
  #state: ConsumerStats['state'] = 'new';
  #executor: Executor<M> | undefined;
  #dispatcher: Dispatcher<M> | undefined;
  #supervisor: Supervisor | undefined;
  #shutdownPromise: Promise<void> | undefined;
  #resolveStopped!: () => void;
  readonly #stopped = new Promise<void>((resolve) => (this.#resolveStopped = resolve));
  #metrics: ConsumerMetrics | undefined;
  #received = 0;
  #consumed = 0;
  #failed = 0;

  constructor(source: Source<M> | SourceModule, options?: ConsumerOptions<M>) {
    super((error, event) => this.#listenerFailed(error, event));
    if (isSourceModule(source)) {
      const exportName = source.export ?? 'default';
      if (typeof exportName !== 'string' || exportName === '')
        throw new InvalidSourceError("A source module's `export` must be a non-empty string");
      this.#sourceModule = { module: moduleUrl('source.module', source.module).href, export: exportName, options: source.options };
      this.#source = unloadedSource as Source<M>;
      this.#options = resolveConsumerOptions(options, undefined, true);
      this.#gate = new FlightGate(this.#options.maxInFlight);
      return;
    }
    this.#sourceModule = undefined;
    if (source === null || typeof source !== 'object' || typeof source.get !== 'function') {
      throw new InvalidSourceError(
        `A source must be an object with a get(signal) method returning a bulk of messages; got ${source === null ? 'null' : typeof source}`,
      );
    }
    for (const method of ['cleanup', 'release', 'close'] as const) {
      if (source[method] !== undefined && typeof source[method] !== 'function') {
        throw new InvalidSourceError(`source.${method} must be a function when present; got ${typeof source[method]}`);
      }
    }
    const sourceHandler = typeof source.handler === 'function' ? source.handler.bind(source) : undefined;
    this.#source = source;
    this.#options = resolveConsumerOptions(options, sourceHandler);
    this.#gate = new FlightGate(this.#options.maxInFlight);
    this.#metrics = this.#options.metrics;
  }

  /**
   * Attaches a metrics backend to a consumer built elsewhere (for example by a
   * module that `conveyor run` loads), replacing `options.metrics`. Only before
   * `start()`: metrics cannot start counting halfway.
   */
  useMetrics(metrics: ConsumerMetrics): this {
    if (this.#state !== 'new') throw new ConsumerStateError('useMetrics() must be called before start()');
    this.#metrics = resolveConsumerOptions({ handler: () => {}, metrics }, undefined).metrics;
    return this;
  }

  /** The metrics backend in use, if any. */
  get metrics(): ConsumerMetrics | undefined {
    return this.#metrics;
  }

  /** The validated options, defaults applied. */
  get options(): ResolvedConsumerOptions<M> {
    return this.#options;
  }

  get stats(): ConsumerStats {
    return {
      state: this.#state,
      inFlight: this.#gate.inFlight,
      pendingBulks: this.#dispatcher?.pendingBulks ?? 0,
      pollersAlive: this.#supervisor?.alive ?? 0,
      pollerRestarts: this.#supervisor?.restarts ?? 0,
      poolThreads: this.#executor instanceof PoolExecutor ? this.#executor.threads : 0,
      received: this.#received,
      consumed: this.#consumed,
      failed: this.#failed,
    };
  }

  /**
   * Loads the handler (a bad `handlerModule` rejects here), starts the pollers
   * and supervises them. A consumer starts once: after `shutdown()` make a new one.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') {
      throw new ConsumerStateError(
        this.#state === 'stopping' || this.#state === 'stopped'
          ? 'This consumer was shut down and cannot be started again; create a new Consumer'
          : 'This consumer is already started',
      );
    }
    this.#state = 'starting';
    const options = this.#options;
    let executor: Executor<M> | undefined;
    try {
      await this.#prepareSource();
      executor = this.#createExecutor();
      this.#executor = executor;
      await executor.start();
    } catch (error) {
      this.#state = 'stopped';
      await executor?.destroy().catch(() => {});
      await this.#pollerThreads?.close().catch(() => {});
      this.#resolveStopped();
      throw error;
    }
    const settler = new Settler(
      this.#source,
      options.settleAttempts,
      {
        onCleanupError: (info) => {
          this.#metrics?.settleError('cleanup');
          this.emit('cleanupError', info);
        },
        onReleaseError: (info) => {
          this.#metrics?.settleError('release');
          this.emit('releaseError', info);
        },
      },
      options.logger,
    );
    this.#dispatcher = new Dispatcher({
      executor,
      settler,
      gate: this.#gate,
      bulkSize: options.bulkSize,
      maxHandlers: options.maxHandlers,
      maxParcelMessages: options.executor === 'threads' ? Math.max(maxParcelMessages, options.bulkSize) : 0,
      onSettled: (settlement) => this.#onSettled(settlement),
      metrics: this.#metrics,
    });
    this.#supervisor = new Supervisor(options.maxPollers, {
      startPoller: (index) => this.#startPoller(index),
      onDied: (index, error) => {
        options.logger.warn({ err: error, poller: index }, 'poller died; the supervisor revives it');
        this.emit('pollerDied', { poller: index, error });
      },
      onRevived: (index, restarts) => {
        options.logger.info({ poller: index, restarts }, 'poller revived');
        this.emit('pollerRevived', { poller: index, restarts });
      },
    });
    if (options.signal !== undefined) {
      if (options.signal.aborted) void this.shutdown();
      else options.signal.addEventListener('abort', () => void this.shutdown(), { once: true });
    }
    if (this.#state !== 'starting') return;
    this.#state = 'running';
    this.#supervisor.startAll();
    this.#supervisor.watch(defaultSuperviseInterval);
    this.emit('started');
  }

  /**
   * Supervision runs from `start()`; this sets how often it checks and, with
   * `blocking: true`, returns a promise that settles when the consumer has shut
   * down (SIGINT and SIGTERM trigger a graceful shutdown meanwhile).
   */
  supervise(options: SuperviseOptions = {}): Promise<void> {
    const interval = options.pollInterval ?? defaultSuperviseInterval;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
      return Promise.reject(
        new TypeError(`Expected \`pollInterval\` to be a positive number of milliseconds, got \`${String(interval)}\``),
      );
    }
    if (this.#state === 'new' || this.#state === 'starting') {
      return Promise.reject(new ConsumerStateError('Call start() (and await it) before supervise()'));
    }
    this.#supervisor?.watch(interval);
    if (options.blocking !== true) return Promise.resolve();
    const onSignal = (): void => void this.shutdown();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return this.#stopped.finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  }

  /**
   * How deep the source's queue is, when the source can tell (`source.inspect()`);
   * undefined otherwise, and with poller threads (each thread has its own source).
   */
  async inspectSource(): Promise<SourceDepth | undefined> {
    if (this.#pollerThreads !== undefined || this.#source.inspect === undefined) return undefined;
    return this.#source.inspect();
  }

  /** Settles when the consumer has shut down. */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  /**
   * Stops polling, drains running and waiting bulks (up to `shutdownTimeout`),
   * settles them with the source, closes the pool and the source. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  async #shutdown(): Promise<void> {
    const previous = this.#state;
    this.#state = 'stopping';
    if (previous === 'new') {
      await this.#closeSource();
      this.#finish();
      return;
    }
    this.#pollersAbort.abort();
    // A get() that ignores its signal must not hold shutdown forever.
    const pollersStopped = await raceTimeout(this.#supervisor?.stop() ?? Promise.resolve(), this.#options.shutdownTimeout);
    if (!pollersStopped)
      this.#options.logger.warn(
        { timeoutMs: this.#options.shutdownTimeout },
        'a source.get() ignored the abort signal; shutdown goes on without waiting for it',
      );
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.#gate.waitForEmpty().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#options.shutdownTimeout))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      const error = new ShutdownTimeoutError(this.#options.shutdownTimeout);
      this.#options.logger.warn({ inFlight: this.#gate.count }, error.message);
      // Bulks not yet started go back untouched; running ones fail when their threads are destroyed.
      const shutdownError = new ShutdownError();
      for (const parcel of this.#dispatcher?.takePending() ?? []) await this.#dispatcher?.settleParcel(parcel, { lost: shutdownError });
      await this.#executor?.destroy();
      // An inline handler cannot be interrupted: stop waiting for it after a second timeout;
      // its messages were never cleaned up, so the source delivers them again.
      await Promise.race([this.#gate.waitForEmpty(), new Promise((resolve) => setTimeout(resolve, this.#options.shutdownTimeout).unref())]);
    } else {
      await this.#executor?.close();
    }
    await this.#closeSource();
    this.#finish();
  }

  async #closeSource(): Promise<void> {
    try {
      await this.#source.close?.();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'source.close() failed');
    }
  }

  #finish(): void {
    this.#state = 'stopped';
    this.emit('shutdown');
    this.#resolveStopped();
  }

  /** A source given as a module is built now: in each poller thread, or once here. */
  async #prepareSource(): Promise<void> {
    const spec = this.#sourceModule;
    if (spec === undefined) return;
    if (this.#options.pollerThreads) {
      const group = new PollerThreadGroup({ ...spec, pollers: this.#options.maxPollers, bulkSize: this.#options.bulkSize });
      this.#pollerThreads = group;
      this.#source = group as unknown as Source<M>;
      await group.start();
      return;
    }
    this.#source = await loadSourceModule<M>(spec);
  }

  #createExecutor(): Executor<M> {
    const options = this.#options;
    if (options.executor === 'inline') {
      return new InlineExecutor(options.handler as NonNullable<typeof options.handler>, options.maxHandlers);
    }
    return new PoolExecutor<M>({
      handlerModule: options.handlerModule as URL,
      handlerExport: options.handlerExport,
      initializer: options.poolInitializer,
      threads: options.maxHandlers,
      resourceLimits: options.poolResourceLimits,
      transfer: options.transfer,
      onThreadDied: (error) => {
        options.logger.warn({ err: error }, 'pool thread died; its bulk goes back to the source');
        this.emit('threadDied', { error });
      },
      onThreadCreated: (threadId) => this.emit('threadRevived', { threadId }),
      onPoolError: (error) => options.logger.error({ err: error }, 'pool error'),
      payloadOf: this.#pollerThreads === undefined ? undefined : (first) => this.#pollerThreads?.takePayload(first as unknown as number),
    });
  }

  #startPoller(index: number): Promise<void> {
    this.emit('pollerStarted', { poller: index });
    return runPoller(
      {
        sourceFor: (poller) => (this.#pollerThreads?.threads[poller] as Source<M> | undefined) ?? this.#source,
        gate: this.#gate,
        pollInterval: this.#options.pollInterval,
        maxPollBackoff: this.#options.maxPollBackoff,
        share: Math.max(1, Math.floor(this.#options.maxInFlight / this.#options.maxPollers)),
        onReceived: (poller, messages) => this.#onReceived(poller, messages),
      },
      index,
      this.#pollersAbort.signal,
      () => this.#supervisor?.healthy(index),
    );
  }

  #onReceived(poller: number, messages: readonly M[]): void {
    this.#received += messages.length;
    this.#metrics?.received(messages.length);
    if (this.listens('received')) this.emit('received', { poller, count: messages.length });
    (this.#dispatcher as Dispatcher<M>).enqueue(messages);
  }

  #onSettled(settlement: Settlement<M>): void {
    this.#consumed += settlement.consumed.length;
    if (settlement.consumed.length > 0 && this.listens('consumed')) this.emit('consumed', settlement.consumed);
    for (const group of settlement.failed) {
      this.#failed += group.messages.length;
      if (this.listens('failed')) this.emit('failed', group.messages, group.error);
    }
  }

  #listenerFailed(error: unknown, event: string): void {
    this.#options.logger.error({ err: error, event }, 'an event listener threw');
    if (event !== 'listenerError') this.emit('listenerError', { event, error });
  }
}
