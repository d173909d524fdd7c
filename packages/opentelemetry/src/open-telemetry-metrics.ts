import { ConsumerStateError } from '@conveyor/core';
import type { ConsumerMetrics, SettledSample } from '@conveyor/core';
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter, Tracer } from '@opentelemetry/api';
import type { OpenTelemetryMetricsOptions, ResolvedOpenTelemetryMetricsOptions } from './open-telemetry-metrics-options.js';
import { resolveOpenTelemetryMetricsOptions } from './open-telemetry-metrics-options.js';
import type { WatchedConsumer } from './watched-consumer.js';

const instrumentationName = '@conveyor/opentelemetry';

/**
 * A `ConsumerMetrics` that reports through the OpenTelemetry API: a span per
 * parcel of bulks (the unit the consumer hands to a pool thread) with its
 * message counts, and counters and histograms on a meter. Bring your own SDK;
 * with none registered every call is a no-op of the API.
 *
 * ```ts
 * const metrics = new OpenTelemetryMetrics({ attributes: { 'messaging.destination.name': 'orders' } });
 * const consumer = new Consumer(source, { handlerModule, metrics });
 * metrics.watch(consumer);
 * ```
 *
 * Instruments: counters `conveyor.messages.received`, `conveyor.messages.consumed`,
 * `conveyor.messages.failed`, `conveyor.bulks`, `conveyor.settle.errors`
 * (attribute `conveyor.settle.operation`); histograms `conveyor.handler.duration` (s),
 * `conveyor.queue.wait` (s), `conveyor.parcel.messages`.
 */
export class OpenTelemetryMetrics implements ConsumerMetrics {
  readonly #options: ResolvedOpenTelemetryMetricsOptions;
  readonly #tracer: Tracer;
  readonly #meter: Meter;
  readonly #attributes: Attributes;
  readonly #cleanupAttributes: Attributes;
  readonly #releaseAttributes: Attributes;
  readonly #received: Counter;
  readonly #consumed: Counter;
  readonly #failed: Counter;
  readonly #bulks: Counter;
  readonly #settleErrors: Counter;
  readonly #handlerDuration: Histogram;
  readonly #queueWait: Histogram;
  readonly #parcelMessages: Histogram;
  #watching = false;

  constructor(options?: OpenTelemetryMetricsOptions) {
    const resolved = resolveOpenTelemetryMetricsOptions(options);
    this.#options = resolved;
    this.#tracer = resolved.tracer ?? trace.getTracer(instrumentationName);
    const meter = resolved.meter ?? metrics.getMeter(instrumentationName);
    this.#meter = meter;
    this.#attributes = resolved.attributes;
    this.#cleanupAttributes = { ...resolved.attributes, 'conveyor.settle.operation': 'cleanup' };
    this.#releaseAttributes = { ...resolved.attributes, 'conveyor.settle.operation': 'release' };
    this.#received = meter.createCounter('conveyor.messages.received', {
      description: 'Messages returned by source.get()',
      unit: '{message}',
    });
    this.#consumed = meter.createCounter('conveyor.messages.consumed', {
      description: 'Messages consumed, handed to source.cleanup()',
      unit: '{message}',
    });
    this.#failed = meter.createCounter('conveyor.messages.failed', {
      description: 'Messages failed, handed to source.release()',
      unit: '{message}',
    });
    this.#bulks = meter.createCounter('conveyor.bulks', { description: 'Bulks handled (one handler call each)', unit: '{bulk}' });
    this.#settleErrors = meter.createCounter('conveyor.settle.errors', {
      description: 'source.cleanup() or source.release() calls that threw',
      unit: '{call}',
    });
    this.#handlerDuration = meter.createHistogram('conveyor.handler.duration', {
      description: "From dispatching a parcel of bulks to the executor's answer",
      unit: 's',
    });
    this.#queueWait = meter.createHistogram('conveyor.queue.wait', {
      description: 'Time the oldest bulk of a parcel waited for a free handler slot',
      unit: 's',
    });
    this.#parcelMessages = meter.createHistogram('conveyor.parcel.messages', {
      description: 'Messages settled per parcel of bulks',
      unit: '{message}',
    });
  }

  received(count: number): void {
    this.#received.add(count, this.#attributes);
  }

  settled(sample: SettledSample): void {
    const attributes = this.#attributes;
    const messages = sample.consumed + sample.failed;
    this.#consumed.add(sample.consumed, attributes);
    this.#failed.add(sample.failed, attributes);
    this.#bulks.add(sample.bulks, attributes);
    this.#handlerDuration.record(sample.handlerMs / 1000, attributes);
    this.#queueWait.record(sample.waitMs / 1000, attributes);
    this.#parcelMessages.record(messages, attributes);
    if (!this.#options.spans) return;
    // The sample arrives when the parcel is settled: the span is back-dated to its dispatch.
    const span = this.#tracer.startSpan(this.#options.spanName, {
      kind: SpanKind.CONSUMER,
      startTime: Date.now() - sample.handlerMs,
      attributes: {
        ...attributes,
        'messaging.operation.type': 'process',
        'messaging.batch.message_count': messages,
        'conveyor.bulks': sample.bulks,
        'conveyor.messages.consumed': sample.consumed,
        'conveyor.messages.failed': sample.failed,
        'conveyor.queue_wait_ms': sample.waitMs,
      },
    });
    if (sample.failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${sample.failed} of ${messages} messages failed` });
    span.end();
  }

  settleError(kind: 'cleanup' | 'release'): void {
    this.#settleErrors.add(1, kind === 'cleanup' ? this.#cleanupAttributes : this.#releaseAttributes);
  }

  /**
   * Adds observable instruments read from `consumer.stats` at each collection:
   * gauges `conveyor.messages.in_flight`, `conveyor.bulks.pending`,
   * `conveyor.pollers.alive`, `conveyor.pool.threads` and the counter
   * `conveyor.poller.restarts`. One consumer per instance.
   */
  watch(consumer: WatchedConsumer): void {
    if (this.#watching)
      throw new ConsumerStateError(
        'This OpenTelemetryMetrics already watches a consumer; make one per consumer (tell them apart with `attributes`)',
      );
    this.#watching = true;
    const meter = this.#meter;
    const inFlight = meter.createObservableGauge('conveyor.messages.in_flight', {
      description: 'Messages received and not yet settled',
      unit: '{message}',
    });
    const pending = meter.createObservableGauge('conveyor.bulks.pending', {
      description: 'Bulks waiting for a free handler slot',
      unit: '{bulk}',
    });
    const pollers = meter.createObservableGauge('conveyor.pollers.alive', { description: 'Pollers running', unit: '{poller}' });
    const threads = meter.createObservableGauge('conveyor.pool.threads', { description: 'Threads of the handler pool', unit: '{thread}' });
    const restarts = meter.createObservableCounter('conveyor.poller.restarts', {
      description: 'Times the supervisor revived a dead poller',
      unit: '{restart}',
    });
    const attributes = this.#attributes;
    // One stats snapshot per collection for all five instruments.
    meter.addBatchObservableCallback(
      (result) => {
        const stats = consumer.stats;
        result.observe(inFlight, stats.inFlight, attributes);
        result.observe(pending, stats.pendingBulks, attributes);
        result.observe(pollers, stats.pollersAlive, attributes);
        result.observe(threads, stats.poolThreads, attributes);
        result.observe(restarts, stats.pollerRestarts, attributes);
      },
      [inFlight, pending, pollers, threads, restarts],
    );
  }
}
