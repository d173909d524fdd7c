import { basename } from 'node:path';
import type { Consumer, SourceDepth } from '@conveyor/core';
import { MetricsServerError, PrometheusMetrics, serveMetrics } from '@conveyor/prometheus';
import type { HealthCheck, MetricsServer } from '@conveyor/prometheus';
import { CliError } from '../cli-error.js';
import { oneLine } from '../describe-error.js';
import { redact } from '../redact.js';
import type { ExitCode } from '../exit-codes.js';
import { exitCodes } from '../exit-codes.js';
import { createCliLogger } from '../run/cli-logger.js';
import { DrainEstimate } from '../run/drain-estimate.js';
import { count } from '../run/format.js';
import { loadConsumer } from '../run/load-consumer.js';
import { LiveView } from '../run/live-view.js';
import { LogView } from '../run/log-view.js';
import type { RunSnapshot, RunView } from '../run/run-snapshot.js';
import { ViewMetrics } from '../run/view-metrics.js';
import { openInspector } from '../stats/open-inspector.js';
import type { QueueInspector, QueueStats } from '../stats/queue-stats.js';
import { parseSourceUrl } from '../source-url.js';

/** Options of `conveyor run`. */
export interface RunCommandOptions {
  /** The export holding the Consumer or its factory. @default 'default', else 'consumer' */
  readonly export?: string | undefined;
  /** Milliseconds between two redraws / log lines. */
  readonly interval: number;
  /** Source URL of the queue whose depth is shown as lag. */
  readonly lag?: string | undefined;
  /** Serve Prometheus metrics on this port. */
  readonly metricsPort?: number | undefined;
  readonly metricsHost: string;
  /** Line log even on a terminal. */
  readonly log: boolean;
  /** Line log as JSON objects. */
  readonly json: boolean;
}

/**
 * `conveyor run <module>`: loads the consumer, starts it (start() supervises
 * its pollers), shows it until it stops. The first SIGINT/SIGTERM drains it
 * gracefully; a second SIGINT exits at once with code 130.
 */
export async function runCommand(modulePath: string, args: readonly string[], options: RunCommandOptions): Promise<ExitCode> {
  const stdout = process.stdout;
  const lagLocation = options.lag === undefined ? undefined : parseSourceUrl(options.lag);
  // Set once the consumer started; notices before that go to stderr.
  const shown: { view?: RunView } = {};
  const notice = (level: 'info' | 'warn' | 'error', text: string): void => {
    const message = redact(text);
    if (shown.view !== undefined) shown.view.notice(level, message);
    else process.stderr.write(`conveyor: ${level === 'info' ? '' : `${level}: `}${message}\n`);
  };

  let prometheus: PrometheusMetrics | undefined;
  let server: MetricsServer | undefined;
  // /readyz asks the consumer once it is loaded; until then it is not ready.
  const loaded: { consumer?: Consumer<unknown> } = {};
  const health: HealthCheck = {
    health: () => loaded.consumer?.health() ?? Promise.resolve({ ready: false, reasons: ['the consumer module is loading'] }),
  };
  if (options.metricsPort !== undefined) {
    prometheus = new PrometheusMetrics();
    try {
      server = await serveMetrics(prometheus.registry, { port: options.metricsPort, host: options.metricsHost, health });
    } catch (error) {
      if (error instanceof MetricsServerError)
        throw new CliError('CLI_UNREACHABLE', `${error.message} (choose another --metrics-port)`, { cause: error });
      throw error;
    }
  }
  const lagInspector = lagLocation === undefined ? undefined : await openInspector(lagLocation);
  const cleanups: (() => Promise<void> | void)[] = [() => lagInspector?.close(), () => server?.close()];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => {});
  };

  const draining = new AbortController();
  const metrics = new ViewMetrics(prometheus);
  let consumer: Consumer<unknown>;
  let fromFactory: boolean;
  try {
    ({ consumer, fromFactory } = await loadConsumer(modulePath, options.export, {
      metrics,
      logger: createCliLogger(notice),
      signal: draining.signal,
      args,
    }));
  } catch (error) {
    await cleanUp();
    throw error;
  }

  loaded.consumer = consumer;
  // A Consumer exported already built, without metrics of its own: attach the view's before it starts.
  let countsMessages = fromFactory;
  if (!fromFactory && consumer.metrics === undefined && consumer.stats.state === 'new') {
    consumer.useMetrics(metrics);
    countsMessages = true;
  }

  const counters = { cleanupErrors: 0, releaseErrors: 0, threadDeaths: 0 };
  // Counts only: the consumer's logger already reports these (through the view, when built with the context's).
  consumer.on('cleanupError', () => void counters.cleanupErrors++);
  consumer.on('releaseError', () => void counters.releaseErrors++);
  consumer.on('threadDied', () => void counters.threadDeaths++);
  prometheus?.watch(consumer);

  let phase: RunSnapshot['phase'] = 'running';
  let signals = 0;
  const startedAt = performance.now();
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      phase = 'draining';
      notice(
        'info',
        `${signal}: draining ${count(consumer.stats.inFlight)} messages in flight (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGINT'} again to abort)`,
      );
      draining.abort();
      void consumer.shutdown();
      return;
    }
    shown.view?.stop(snapshot());
    process.stderr.write(
      `conveyor: aborted by ${signal}; ${count(consumer.stats.inFlight)} messages in flight were not cleaned up and will be delivered again by the source\n`,
    );
    process.exit(exitCodes.aborted);
  };
  // SIGHUP: the terminal went away; drain as for SIGTERM rather than die with messages in flight.
  const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of stopSignals) process.on(signal, onSignal);
  // SIGUSR2 pauses the consumer (no new messages; those in flight go on) and resumes it.
  const onPauseSignal = (): void => {
    if (consumer.stats.paused) consumer.resume();
    else consumer.pause();
    notice('info', consumer.stats.paused ? 'SIGUSR2: paused (SIGUSR2 again to resume)' : 'SIGUSR2: resumed');
  };
  process.on('SIGUSR2', onPauseSignal);
  cleanups.push(() => {
    for (const signal of stopSignals) process.off(signal, onSignal);
    process.off('SIGUSR2', onPauseSignal);
  });

  let lag: QueueStats | undefined;
  let lagError: string | undefined;
  let lagReading: Promise<void> | undefined;
  const drain = new DrainEstimate();
  const readLag = (inspector: QueueInspector): Promise<void> => {
    lagReading ??= inspector
      .read()
      .then(
        (stats) => {
          lag = stats;
          lagError = undefined;
          drain.observe(stats.waiting, performance.now());
        },
        (error: unknown) => {
          lag = undefined;
          // A missing queue says so plainly ("No such key…"); anything else is an outage.
          lagError = error instanceof CliError && error.code === 'CLI_QUEUE_NOT_FOUND' ? oneLine(error) : `unavailable: ${oneLine(error)}`;
        },
      )
      .finally(() => (lagReading = undefined));
    return lagReading;
  };

  const maxPollers = consumer.options.maxPollers;
  const name = basename(modulePath);
  let previous = { at: startedAt, received: 0, consumed: 0, failed: 0, bulks: 0, parcels: 0, handlerMs: 0 };
  let lastHandlerMs: number | undefined;
  let poolThreads = 0;
  const snapshot = (): RunSnapshot => {
    const now = performance.now();
    const stats = consumer.stats;
    const totals = metrics.totals;
    poolThreads = Math.max(poolThreads, stats.poolThreads);
    const seconds = Math.max((now - previous.at) / 1000, 1e-3);
    const parcels = totals.parcels - previous.parcels;
    if (parcels > 0) lastHandlerMs = (totals.handlerMs - previous.handlerMs) / parcels;
    const result: RunSnapshot = {
      module: name,
      phase: stats.state === 'stopped' ? 'stopped' : phase === 'running' && stats.paused ? 'paused' : phase,
      uptimeMs: now - startedAt,
      stats,
      inFlightLimit: stats.inFlightLimit,
      maxPollers,
      executor: consumer.options.executor,
      poolThreads,
      rates: {
        received: (stats.received - previous.received) / seconds,
        consumed: (stats.consumed - previous.consumed) / seconds,
        failed: (stats.failed - previous.failed) / seconds,
        bulks: (totals.bulks - previous.bulks) / seconds,
      },
      bulks: metrics.used ? totals.bulks : undefined,
      bulksByThread: metrics.used ? totals.bulksByThread : undefined,
      handlerMs: metrics.used ? lastHandlerMs : undefined,
      ...counters,
      lag,
      lagError,
      drain: lag === undefined || lagError !== undefined ? undefined : drain.state,
    };
    previous = { at: now, received: stats.received, consumed: stats.consumed, failed: stats.failed, ...totals };
    return result;
  };

  if (consumer.stats.state === 'new') {
    try {
      await consumer.start();
    } catch (error) {
      await cleanUp();
      throw new CliError('CLI_START_FAILED', `The consumer failed to start: ${oneLine(error)}`, { cause: error });
    }
  }
  // Without --lag, the consumer's own source tells its depth when it can (source.inspect()).
  const depthInspector = lagInspector ?? (await sourceInspector(consumer));
  const view: RunView =
    stdout.isTTY === true && !options.log && !options.json
      ? new LiveView(stdout, depthInspector !== undefined)
      : new LogView(stdout, options.json);
  shown.view = view;
  if (server !== undefined) notice('info', `metrics on ${server.url}`);
  if (server !== undefined && !countsMessages) {
    notice(
      'warn',
      `${modulePath} exports a Consumer built with metrics of its own (or already started), so /metrics shows gauges only: export a factory and pass its context.metrics to the Consumer for message counts`,
    );
  }
  if (depthInspector !== undefined) void readLag(depthInspector);
  const tick = (): void => {
    if (depthInspector !== undefined) void readLag(depthInspector);
    view.update(snapshot());
  };
  /** One more read after the consumer stopped, bounded; when it fails the lag line says so instead of showing old numbers. */
  const freshLag = async (inspector: QueueInspector): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), finalReadTimeoutMs)));
    const read = async (): Promise<'read'> => {
      await lagReading; // a read begun before the stop does not count
      await readLag(inspector);
      return 'read';
    };
    const outcome = await Promise.race([read(), late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      lag = undefined;
      lagError = `not read after stopping (no answer within ${finalReadTimeoutMs} ms)`;
    }
  };
  tick();
  const timer = setInterval(tick, options.interval);

  await consumer.stopped;
  clearInterval(timer);
  // The last frame shows the queue as it is now, not as it was a tick ago.
  if (depthInspector !== undefined) await freshLag(depthInspector);
  const last = snapshot();
  view.stop(last);
  if (view instanceof LiveView) {
    stdout.write(
      `stopped after ${(last.uptimeMs / 1000).toFixed(1)} s: received ${count(last.stats.received)}, consumed ${count(last.stats.consumed)}, failed ${count(last.stats.failed)}\n`,
    );
  }
  await cleanUp();
  return exitCodes.ok;
}

// How long the last frame waits for a fresh read of the queue's depth.
const finalReadTimeoutMs = 2_000;

/** A lag inspector reading the consumer's own source, when its source can tell its depth. */
async function sourceInspector(consumer: Consumer<unknown>): Promise<QueueInspector | undefined> {
  const toStats = (depth: SourceDepth): QueueStats => {
    // Sources that know their oldest message's age say so (PostgresSource's inspect()).
    const oldest = (depth as { oldestAgeMs?: unknown }).oldestAgeMs;
    return {
      source: "the consumer's source",
      kind: 'source',
      waiting: depth.waiting,
      inFlight: depth.inFlight,
      deadLetters: depth.deadLetters,
      oldestAgeMs: typeof oldest === 'number' ? oldest : undefined,
      details: {},
    };
  };
  try {
    if ((await consumer.inspectSource()) === undefined) return undefined;
  } catch {
    // It can tell, but not right now: the lag line shows the error at each read.
  }
  return {
    read: async () => {
      const depth = await consumer.inspectSource();
      if (depth === undefined) throw new Error('the source no longer tells its depth');
      return toStats(depth);
    },
    close: async () => {},
  };
}
