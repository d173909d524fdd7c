import type { Settlement } from '../bulk/bulk-report.js';
import { ConsumerStateError } from '../errors/consumer-state-error.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { checkNodeVersion } from '../kit/node-version.js';
import { TypedEmitter } from '../kit/typed-emitter.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';
import { FlightGate } from '../pipeline/flight-gate.js';
import { LeaseKeeper } from '../pipeline/lease-keeper.js';
import { runPoller } from '../pipeline/poller.js';
import { Supervisor } from '../pipeline/supervisor.js';
import type { Source, SourceDepth, SourceModule } from '../sources/source.js';
import { PoolExecutor } from '../threads/pool-executor.js';
import type { ConsumerParts } from './assemble.js';
import { assemble } from './assemble.js';
import { buildDispatcher } from './build-dispatcher.js';
import type { ConsumerReports } from './consumer-reports.js';
import { consumerReports } from './consumer-reports.js';
import type { ConsumerEvents } from './consumer-events.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerOptions, ResolvedConsumerOptions } from './consumer-options.js';
import { metricsOption, resolveConsumerOptions } from './consumer-options.js';
import type { ConsumerStats, SuperviseOptions } from './consumer-stats.js';
import type { ConsumerHealth, HealthOptions } from './consumer-health.js';
import { assessHealth, defaultHealthTimeout } from './consumer-health.js';
import { drainAndStop } from './shutdown.js';
import type { SourcePlan } from './source-plan.js';
import { planSource } from './source-plan.js';

const defaultSuperviseInterval = 1000;

/** What exists while the consumer runs. */
interface Running<M> {
  readonly parts: ConsumerParts<M>;
  /** Renews the leases of held messages, when the source has leases to renew. */
  readonly leases: LeaseKeeper<M> | undefined;
  readonly dispatcher: Dispatcher<M>;
  readonly supervisor: Supervisor;
}

/**
 * Pulls bulks of messages from a source with several pollers, runs a handler
 * on each bulk (on a pool of worker threads or inline), and cleans up only the
 * messages that were consumed; failed ones go back to the source.
 *
 * The data path (`pipeline/README.md`): poller → flight gate → dispatcher →
 * parcel → executor → settler, with a supervisor reviving dead pollers.
 *
 * ```ts
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 64 });
 * await consumer.start();
 * await consumer.supervise({ blocking: true });
 * ```
 */
export class Consumer<M> extends TypedEmitter<ConsumerEvents<M>> {
  readonly #plan: SourcePlan<M>;
  readonly #options: ResolvedConsumerOptions<M>;
  readonly #gate: FlightGate;
  readonly #pollersAbort = new AbortController();
  /** Aborted when shutdown stops waiting: parcels waiting for rate-limit tokens go on (and find the pool gone). */
  readonly #hurry = new AbortController();
  #metrics: ConsumerMetrics | undefined;
  #state: ConsumerStats['state'] = 'new';
  #running: Running<M> | undefined;
  #startPromise: Promise<void> | undefined;
  readonly #reports: ConsumerReports<M>;
  /** The source object's own handler runs inline without the user asking: say once how to use every core. */
  readonly #hintThreads: boolean;
  #shutdownPromise: Promise<void> | undefined;
  #resolveStopped!: () => void;
  readonly #stopped = new Promise<void>((resolve) => (this.#resolveStopped = resolve));
  #received = 0;
  #consumed = 0;
  #failed = 0;

  constructor(source: Source<M> | SourceModule, options?: ConsumerOptions<M>) {
    super((error, event) => this.#listenerFailed(error, event));
    checkNodeVersion();
    this.#plan = planSource(source);
    this.#options = resolveConsumerOptions(options, this.#plan);
    this.#gate = new FlightGate(this.#options.inFlightFloor);
    this.#metrics = this.#options.metrics;
    this.#reports = consumerReports<M>(
      (event, ...args) => this.emit(event, ...args),
      this.#options.logger,
      () => this.#metrics,
    );
    this.#hintThreads = this.#plan.kind === 'object' && this.#options.handlerFrom === 'source' && options?.executor === undefined;
  }

  /**
   * Attaches a metrics backend to a consumer built elsewhere (for example by a
   * module that `conveyor run` loads), replacing `options.metrics`. Only before
   * `start()`: metrics cannot start counting halfway.
   */
  useMetrics(metrics: ConsumerMetrics): this {
    if (this.#state !== 'new') throw new ConsumerStateError('useMetrics() must be called before start()');
    this.#metrics = metricsOption(metrics);
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

  /** A snapshot: state, messages in flight, pollers, pool threads, counts. */
  get stats(): ConsumerStats {
    const running = this.#running;
    const executor = running?.parts.executor;
    return {
      state: this.#state,
      paused: this.#gate.paused,
      inFlight: this.#gate.inFlight,
      inFlightLimit: this.#gate.limit,
      pendingBulks: running?.dispatcher.pendingBulks ?? 0,
      pollersAlive: running?.supervisor.alive ?? 0,
      pollerRestarts: running?.supervisor.restarts ?? 0,
      poolThreads: executor instanceof PoolExecutor ? executor.threads : 0,
      received: this.#received,
      consumed: this.#consumed,
      failed: this.#failed,
    };
  }

  /**
   * Loads the handler (a bad `handlerModule` rejects here), starts the pollers
   * and supervises them. A consumer starts once: after `shutdown()` make a new one.
   */
  start(): Promise<void> {
    if (this.#state !== 'new') {
      const reason =
        this.#state === 'stopping' || this.#state === 'stopped'
          ? 'This consumer was shut down and cannot be started again; create a new Consumer'
          : 'This consumer is already started';
      return Promise.reject(new ConsumerStateError(reason));
    }
    this.#startPromise = this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    const options = this.#options;
    let parts: ConsumerParts<M>;
    try {
      parts = await assemble(this.#plan, options, this.#reports.assembly);
    } catch (error) {
      this.#state = 'stopped';
      this.#resolveStopped();
      throw error;
    }
    // Before the first get(): an adapter names its spans and metrics from the source.
    this.#metrics?.started?.(parts.queueSource);
    const dispatcher = buildDispatcher({
      parts,
      options,
      gate: this.#gate,
      metrics: this.#metrics,
      reports: this.#reports,
      onSettled: (settlement) => this.#onSettled(settlement),
      hurry: this.#hurry.signal,
    });
    const leases = LeaseKeeper.for(parts.settleSource, options.clock, { ...this.#reports.leases, held: () => dispatcher.held() });
    const supervisor = new Supervisor(options.maxPollers, {
      ...this.#reports.supervisor,
      startPoller: (index) => this.#startPoller(index),
    });
    this.#running = { parts, leases, dispatcher, supervisor };
    if (options.signal !== undefined) {
      if (options.signal.aborted) void this.shutdown();
      else options.signal.addEventListener('abort', () => void this.shutdown(), { once: true });
    }
    // shutdown() was called while the parts were being assembled.
    if (this.#state !== 'starting') return;
    if (this.#hintThreads) this.#reports.inlineSourceHandler();
    this.#state = 'running';
    this.#running.leases?.start();
    this.#running.supervisor.startAll();
    this.#running.supervisor.watch(defaultSuperviseInterval);
    this.emit('started');
  }

  /**
   * Supervision runs from `start()`; this sets how often it checks and, with
   * `blocking: true`, returns a promise that settles when the consumer has shut
   * down (SIGINT and SIGTERM trigger a graceful shutdown meanwhile).
   */
  async supervise(options: SuperviseOptions = {}): Promise<void> {
    const interval = options.pollInterval ?? defaultSuperviseInterval;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
      throw new InvalidOptionError('pollInterval', 'a positive number of milliseconds', interval);
    }
    // The original's form: start() without awaiting it, then supervise(); or supervise() alone.
    if (this.#state === 'new') await this.start();
    else if (this.#state === 'starting') await this.#startPromise;
    this.#running?.supervisor.watch(interval);
    if (options.blocking !== true) return;
    const onSignal = (): void => void this.shutdown();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await this.#stopped;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  /** `await using consumer = new Consumer(...)`: shuts the consumer down when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /**
   * How deep the source's queue is, when the source can tell (`source.inspect()`);
   * undefined otherwise, and with poller threads (each thread has its own source).
   */
  async inspectSource(): Promise<SourceDepth | undefined> {
    const source = this.#running?.parts.queueSource ?? (this.#plan.kind === 'object' ? this.#plan.source : undefined);
    if (source?.inspect === undefined) return undefined;
    return source.inspect();
  }

  /**
   * Whether the consumer can do its work, for readiness probes: running, every
   * poller alive, pool threads up, and the source reachable (asked with
   * `source.inspect()` within `timeout`, else judged by the pollers' last
   * `get()`). `reasons` says what is missing. Never rejects.
   */
  health(options: HealthOptions = {}): Promise<ConsumerHealth> {
    const timeout = options.timeout ?? defaultHealthTimeout;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
      throw new InvalidOptionError('timeout', 'a positive number of milliseconds', timeout);
    const running = this.#running;
    return assessHealth(
      {
        stats: this.stats,
        maxPollers: this.#options.maxPollers,
        executor: this.#options.executor,
        queueSource: (running?.parts.queueSource ?? (this.#plan.kind === 'object' ? this.#plan.source : undefined)) as
          Source<unknown> | undefined,
        pollFailure: running?.supervisor.failure,
        polled: running?.supervisor.polled ?? false,
      },
      timeout,
    );
  }

  /**
   * Stops taking new messages without shutting down: pollers finish the
   * `get()` they are in and wait; bulks in flight are handled and settled.
   * `resume()` lets them go again. Idempotent.
   */
  pause(): void {
    if (this.#gate.paused) return;
    this.#gate.setPaused(true);
    this.emit('paused');
  }

  /** Lets paused pollers take messages again. Idempotent. */
  resume(): void {
    if (!this.#gate.paused) return;
    this.#gate.setPaused(false);
    this.emit('resumed');
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
    this.#state = 'stopping';
    const running = this.#running;
    if (running !== undefined) {
      this.#pollersAbort.abort();
      await drainAndStop({
        stopPollers: () => running.supervisor.stop(),
        gate: this.#gate,
        dispatcher: running.dispatcher,
        executor: running.parts.executor,
        timeoutMs: this.#options.shutdownTimeout,
        logger: this.#options.logger,
        onTimeout: () => this.#hurry.abort(),
      });
    }
    running?.dispatcher.stop();
    await running?.leases?.stop();
    try {
      if (running !== undefined) await running.parts.closeSources();
      else if (this.#plan.kind === 'object') await this.#plan.source.close?.();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'source.close() failed');
    }
    this.#state = 'stopped';
    this.emit('shutdown');
    this.#resolveStopped();
  }

  #startPoller(index: number): Promise<void> {
    const running = this.#running as Running<M>;
    this.emit('pollerStarted', { poller: index });
    return runPoller(
      {
        sourceFor: running.parts.pollerSource,
        gate: this.#gate,
        pollInterval: this.#options.pollInterval,
        maxPollBackoff: this.#options.maxPollBackoff,
        pollers: this.#options.maxPollers,
        onReceived: (poller, messages) => this.#onReceived(poller, messages),
      },
      index,
      this.#pollersAbort.signal,
      () => running.supervisor.healthy(index),
    );
  }

  #onReceived(poller: number, messages: readonly M[]): void {
    this.#received += messages.length;
    this.#metrics?.received(messages.length);
    if (this.listens('received')) this.emit('received', { poller, count: messages.length });
    this.#running?.dispatcher.enqueue(messages);
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
