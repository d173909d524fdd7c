import { ConsumerStateError } from '@conveyor/core';
import type { ConsumerMetrics, SettledSample } from '@conveyor/core';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { PrometheusMetricsOptions, ResolvedPrometheusMetricsOptions } from './prometheus-metrics-options.js';
import { resolvePrometheusMetricsOptions } from './prometheus-metrics-options.js';
import { addQueueGauges } from './queue-gauges.js';
import type { WatchedConsumer } from './watched-consumer.js';

/** The part of a prom-client counter (or its labelled child) this adapter calls. */
interface Incrementable {
  inc(value?: number): void;
}

/** The part of a prom-client histogram (or its labelled child) this adapter calls. */
interface Observable {
  observe(value: number): void;
}

/**
 * A `ConsumerMetrics` that records into prom-client counters and histograms.
 * Pass it as the consumer's `metrics` option, then serve `metrics.registry`
 * (see `serveMetrics`).
 *
 * ```ts
 * const metrics = new PrometheusMetrics({ labels: { consumer: 'orders' } });
 * const consumer = new Consumer(source, { handlerModule, metrics });
 * metrics.watch(consumer); // in-flight, pollers, pool threads as gauges
 * await serveMetrics(metrics.registry, { port: 9464 });
 * ```
 *
 * Counters: `<prefix>messages_received_total`, `messages_consumed_total`,
 * `messages_failed_total`, `bulks_total`, `parcels_total`, `settle_errors_total{operation}`.
 * Histograms (one observation per parcel of bulks): `handler_duration_seconds`,
 * `queue_wait_seconds`, `parcel_messages`.
 */
export class PrometheusMetrics implements ConsumerMetrics {
  /** The registry the metrics live in. */
  readonly registry: Registry;
  readonly #options: ResolvedPrometheusMetricsOptions;
  // Labelled children are bound once here, so recording never hashes label sets.
  readonly #received: Incrementable;
  readonly #consumed: Incrementable;
  readonly #failed: Incrementable;
  readonly #bulks: Incrementable;
  readonly #parcels: Incrementable;
  readonly #cleanupErrors: Incrementable;
  readonly #releaseErrors: Incrementable;
  readonly #handlerSeconds: Observable;
  readonly #waitSeconds: Observable;
  readonly #parcelMessages: Observable;
  #watching = false;

  constructor(options?: PrometheusMetricsOptions) {
    const resolved = resolvePrometheusMetricsOptions(options);
    this.#options = resolved;
    this.registry = resolved.registry;
    const { labels } = resolved;
    const counter = (name: string, help: string): Incrementable => bind(new Counter({ ...this.#base(name, help) }), labels);
    const histogram = (name: string, help: string, buckets: number[]): Observable =>
      bind(new Histogram({ ...this.#base(name, help), buckets }), labels);

    this.#received = counter('messages_received_total', 'Messages returned by source.get()');
    this.#consumed = counter('messages_consumed_total', 'Messages the handler consumed, handed to source.cleanup()');
    this.#failed = counter(
      'messages_failed_total',
      'Messages that failed (handler threw, marked them, thread died), handed to source.release()',
    );
    this.#bulks = counter('bulks_total', 'Bulks handled (one handler call each)');
    this.#parcels = counter('parcels_total', 'Parcels of bulks sent to the executor (one pool task each)');
    const settleErrors = new Counter({
      ...this.#base('settle_errors_total', 'source.cleanup() or source.release() calls that threw'),
      labelNames: ['operation', ...Object.keys(labels)],
    });
    this.#cleanupErrors = settleErrors.labels({ ...labels, operation: 'cleanup' });
    this.#releaseErrors = settleErrors.labels({ ...labels, operation: 'release' });
    // Both series exist from the first scrape, so rate() and alerts see a 0, not a gap.
    this.#cleanupErrors.inc(0);
    this.#releaseErrors.inc(0);
    this.#handlerSeconds = histogram(
      'handler_duration_seconds',
      "Seconds from dispatching a parcel of bulks to the executor's answer",
      resolved.durationBuckets,
    );
    this.#waitSeconds = histogram(
      'queue_wait_seconds',
      'Seconds the oldest bulk of a parcel waited for a free handler slot',
      resolved.durationBuckets,
    );
    this.#parcelMessages = histogram('parcel_messages', 'Messages settled per parcel of bulks', resolved.parcelBuckets);
  }

  received(count: number): void {
    this.#received.inc(count);
  }

  settled(sample: SettledSample): void {
    if (sample.consumed > 0) this.#consumed.inc(sample.consumed);
    if (sample.failed > 0) this.#failed.inc(sample.failed);
    this.#bulks.inc(sample.bulks);
    this.#parcels.inc();
    this.#handlerSeconds.observe(sample.handlerMs / 1000);
    this.#waitSeconds.observe(sample.waitMs / 1000);
    this.#parcelMessages.observe(sample.consumed + sample.failed);
  }

  settleError(kind: 'cleanup' | 'release'): void {
    (kind === 'cleanup' ? this.#cleanupErrors : this.#releaseErrors).inc();
  }

  /**
   * Adds metrics read from `consumer.stats` at scrape time (nothing runs between
   * scrapes): gauges `in_flight_messages`, `pending_bulks`, `pollers_alive`,
   * `pool_threads`, the counter `poller_restarts_total`; and, when the source
   * can tell its depth (`inspect()`) and `queueGauges` is on, the queue gauges
   * `queue_waiting_messages`, `queue_in_flight_messages`,
   * `queue_dead_letter_messages`, `queue_oldest_message_age_seconds` (one
   * `inspect()` a scrape). One consumer per instance.
   */
  watch(consumer: WatchedConsumer): void {
    if (this.#watching)
      throw new ConsumerStateError(
        'This PrometheusMetrics already watches a consumer; make one per consumer (tell them apart with `labels`)',
      );
    this.#watching = true;
    const { labels } = this.#options;
    const labelNames = Object.keys(labels);
    const gauge = (name: string, help: string, read: (stats: WatchedConsumer['stats']) => number): void => {
      new Gauge({
        ...this.#base(name, help),
        labelNames,
        collect() {
          this.set(labels, read(consumer.stats));
        },
      });
    };
    gauge('in_flight_messages', 'Messages received and not yet settled', (stats) => stats.inFlight);
    gauge('pending_bulks', 'Bulks waiting for a free handler slot', (stats) => stats.pendingBulks);
    gauge('pollers_alive', 'Pollers running', (stats) => stats.pollersAlive);
    gauge('pool_threads', 'Threads of the handler pool', (stats) => stats.poolThreads);
    let restartsCounted = 0;
    const restarts = new Counter({
      ...this.#base('poller_restarts_total', 'Times the supervisor revived a dead poller'),
      collect() {
        // The consumer counts; the counter catches up at each scrape (it only ever grows).
        const restarted = consumer.stats.pollerRestarts;
        if (restarted > restartsCounted) this.inc({ ...labels }, restarted - restartsCounted);
        restartsCounted = Math.max(restartsCounted, restarted);
      },
    });
    restarts.inc({ ...labels }, 0);
    if (this.#options.queueGauges && consumer.inspectSource !== undefined) {
      addQueueGauges(
        { registry: this.registry, prefix: this.#options.prefix, labels },
        () => consumer.inspectSource?.() ?? Promise.resolve(undefined),
      );
    }
  }

  #base(name: string, help: string): { name: string; help: string; labelNames: string[]; registers: Registry[] } {
    return { name: this.#options.prefix + name, help, labelNames: Object.keys(this.#options.labels), registers: [this.registry] };
  }
}

/** The metric itself when there are no constant labels, else its child for them. */
function bind<T extends Incrementable | Observable>(
  metric: { labels(labels: Record<string, string>): T } & T,
  labels: Readonly<Record<string, string>>,
): T {
  return Object.keys(labels).length === 0 ? metric : metric.labels({ ...labels });
}
