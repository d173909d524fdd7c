import { ConsumerStateError } from '@conveyor/core';
import type {
  ConsumerMetrics,
  ObservedSource,
  ParcelTrace,
  SettledSample,
  SourceDepth,
  SourceDescription,
  TraceCarrier,
} from '@conveyor/core';
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Link, Meter, ObservableGauge, Tracer } from '@opentelemetry/api';
import { messagingAttributes } from './messaging-attributes.js';
import type { OpenTelemetryMetricsOptions, ResolvedOpenTelemetryMetricsOptions } from './open-telemetry-metrics-options.js';
import { resolveOpenTelemetryMetricsOptions } from './open-telemetry-metrics-options.js';
import { spanContextOf, toTraceCarrier } from './traceparent.js';
import type { WatchedConsumer } from './watched-consumer.js';

const instrumentationName = '@conveyor/opentelemetry';
// OpenTelemetry's default span link limit: more links would be dropped by the SDK anyway.
const maxLinks = 128;

/** The attributes of each kind of data point, bound once the source is known. */
interface BoundAttributes {
  /** `messaging.system` and `messaging.destination.name` (and the user's): gauges. */
  readonly source: Attributes;
  readonly receive: Attributes;
  readonly process: Attributes;
  readonly cleanup: Attributes;
  readonly release: Attributes;
  readonly spanName: string;
}

/**
 * A `ConsumerMetrics` that reports through the OpenTelemetry API, following its
 * messaging semantic conventions: a `CONSUMER` span per parcel of bulks (the
 * unit the consumer hands to a pool thread) named `process {destination}`,
 * linked to the spans that sent its messages, and the parent of the handler's
 * spans (through `bulk.traceContext`, see `bulkContext()`); counters and
 * histograms on a meter. `messaging.system` and `messaging.destination.name`
 * come from the source (`Source.describe()`). Bring your own SDK; with none
 * registered every call is a no-op of the API.
 *
 * ```ts
 * const metrics = new OpenTelemetryMetrics();
 * const consumer = new Consumer(source, { handlerModule, metrics });
 * metrics.watch(consumer);
 * ```
 *
 * Instruments: counters `messaging.client.consumed.messages` (received),
 * `conveyor.messages.consumed`, `conveyor.messages.failed`, `conveyor.bulks`,
 * `conveyor.settle.errors` (`messaging.operation.name`: `cleanup` / `release`);
 * histograms `messaging.process.duration` (s), `conveyor.queue.wait` (s), `conveyor.parcel.messages`.
 */
export class OpenTelemetryMetrics implements ConsumerMetrics {
  readonly #options: ResolvedOpenTelemetryMetricsOptions;
  readonly #tracer: Tracer;
  readonly #meter: Meter;
  #bound: BoundAttributes;
  #traceContextOf: ((message: unknown) => TraceCarrier | undefined) | undefined;
  readonly #received: Counter;
  readonly #consumed: Counter;
  readonly #failed: Counter;
  readonly #bulks: Counter;
  readonly #settleErrors: Counter;
  readonly #processDuration: Histogram;
  readonly #queueWait: Histogram;
  readonly #parcelMessages: Histogram;
  #watching = false;

  constructor(options?: OpenTelemetryMetricsOptions) {
    const resolved = resolveOpenTelemetryMetricsOptions(options);
    this.#options = resolved;
    this.#tracer = resolved.tracer ?? trace.getTracer(instrumentationName);
    const meter = resolved.meter ?? metrics.getMeter(instrumentationName);
    this.#meter = meter;
    this.#bound = this.#bind(undefined);
    this.#received = meter.createCounter('messaging.client.consumed.messages', {
      description: 'Messages delivered to the consumer by source.get()',
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
    this.#processDuration = meter.createHistogram('messaging.process.duration', {
      description: "Duration of processing a parcel of bulks: from dispatching it to the executor's answer",
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

  /** The name process spans get: `spanName`, else `process {destination}`, else `process`. */
  get spanName(): string {
    return this.#bound.spanName;
  }

  /** Reads the source's description (system, destination) and how it finds a message's trace context. */
  started(source: ObservedSource<unknown> | undefined): void {
    this.#bound = this.#bind(source?.describe?.());
    this.#traceContextOf = source?.traceContext === undefined ? undefined : source.traceContext.bind(source);
  }

  received(count: number): void {
    this.#received.add(count, this.#bound.receive);
  }

  /**
   * Starts the parcel's process span (a new trace, linked to the traces its
   * messages were sent in) and returns its context to carry to the handler.
   */
  dispatched(messages: readonly unknown[]): ParcelTrace | undefined {
    if (!this.#options.spans) return undefined;
    const links = this.#linksOf(messages);
    const span = this.#tracer.startSpan(this.#bound.spanName, {
      kind: SpanKind.CONSUMER,
      root: true,
      ...(links === undefined ? {} : { links }),
      attributes: { ...this.#bound.process, 'messaging.batch.message_count': messages.length },
    });
    return {
      context: toTraceCarrier(span.spanContext()),
      end: (sample) => {
        const settled = sample.consumed + sample.failed;
        span.setAttributes({
          'conveyor.bulks': sample.bulks,
          'conveyor.messages.consumed': sample.consumed,
          'conveyor.messages.failed': sample.failed,
          'conveyor.queue_wait_ms': sample.waitMs,
        });
        if (sample.failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${sample.failed} of ${settled} messages failed` });
        span.end();
      },
    };
  }

  settled(sample: SettledSample): void {
    const attributes = this.#bound.process;
    this.#consumed.add(sample.consumed, attributes);
    this.#failed.add(sample.failed, attributes);
    this.#bulks.add(sample.bulks, attributes);
    this.#processDuration.record(sample.handlerMs / 1000, attributes);
    this.#queueWait.record(sample.waitMs / 1000, attributes);
    this.#parcelMessages.record(sample.consumed + sample.failed, attributes);
  }

  settleError(kind: 'cleanup' | 'release'): void {
    this.#settleErrors.add(1, kind === 'cleanup' ? this.#bound.cleanup : this.#bound.release);
  }

  /**
   * Adds observable instruments read from `consumer.stats` at each collection:
   * gauges `conveyor.messages.in_flight`, `conveyor.bulks.pending`,
   * `conveyor.pollers.alive`, `conveyor.pool.threads` and the counter
   * `conveyor.poller.restarts`; and, when the consumer can read its source's
   * depth (`inspectSource()`), the queue gauges `conveyor.queue.waiting`,
   * `conveyor.queue.in_flight`, `conveyor.queue.dead_letters` and
   * `conveyor.queue.oldest_age` (s), one `source.inspect()` a collection, each
   * observed only when the source tells it. One consumer per instance.
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
    // One stats snapshot per collection for all five instruments.
    meter.addBatchObservableCallback(
      (result) => {
        const stats = consumer.stats;
        const attributes = this.#bound.source;
        result.observe(inFlight, stats.inFlight, attributes);
        result.observe(pending, stats.pendingBulks, attributes);
        result.observe(pollers, stats.pollersAlive, attributes);
        result.observe(threads, stats.poolThreads, attributes);
        result.observe(restarts, stats.pollerRestarts, attributes);
      },
      [inFlight, pending, pollers, threads, restarts],
    );
    if (consumer.inspectSource !== undefined) this.#watchQueue(() => consumer.inspectSource?.() ?? Promise.resolve(undefined));
  }

  #watchQueue(inspect: () => Promise<SourceDepth | undefined>): void {
    const meter = this.#meter;
    const gauge = (name: string, description: string, unit: string): ObservableGauge =>
      meter.createObservableGauge(name, { description, unit });
    const waiting = gauge('conveyor.queue.waiting', "Messages waiting in the source's queue (all consumers)", '{message}');
    const inFlight = gauge(
      'conveyor.queue.in_flight',
      "Messages delivered by the source's queue and not settled (all consumers)",
      '{message}',
    );
    const dead = gauge('conveyor.queue.dead_letters', "Messages in the source's dead letters", '{message}');
    const oldest = gauge('conveyor.queue.oldest_age', 'Age of the oldest waiting message, where the source can tell', 's');
    meter.addBatchObservableCallback(
      async (result) => {
        // A source that cannot answer leaves the queue gauges out of this collection.
        const depth = await inspect().catch(() => undefined);
        if (depth === undefined) return;
        const attributes = this.#bound.source;
        result.observe(waiting, depth.waiting, attributes);
        if (depth.inFlight !== undefined) result.observe(inFlight, depth.inFlight, attributes);
        if (depth.deadLetters !== undefined) result.observe(dead, depth.deadLetters, attributes);
        if (depth.oldestAgeMs !== undefined) result.observe(oldest, depth.oldestAgeMs / 1000, attributes);
      },
      [waiting, inFlight, dead, oldest],
    );
  }

  /** Links to the spans that sent these messages (distinct, at most 128), when the source can tell them. */
  #linksOf(messages: readonly unknown[]): Link[] | undefined {
    const traceContextOf = this.#traceContextOf;
    if (traceContextOf === undefined) return undefined;
    let links: Link[] | undefined;
    let seen: Set<string> | undefined;
    for (const message of messages) {
      const spanContext = spanContextOf(traceContextOf(message));
      if (spanContext === undefined) continue;
      seen ??= new Set();
      if (seen.has(spanContext.spanId)) continue;
      seen.add(spanContext.spanId);
      (links ??= []).push({ context: spanContext });
      if (links.length >= maxLinks) break;
    }
    return links;
  }

  #bind(description: SourceDescription | undefined): BoundAttributes {
    const user = this.#options.attributes;
    const destination = user['messaging.destination.name'] ?? description?.destination;
    return {
      source: {
        ...(description === undefined
          ? {}
          : { 'messaging.system': description.system, 'messaging.destination.name': description.destination }),
        ...user,
      },
      receive: messagingAttributes(description, 'receive', 'receive', user),
      process: messagingAttributes(description, 'process', 'process', user),
      cleanup: messagingAttributes(description, 'settle', 'cleanup', user),
      release: messagingAttributes(description, 'settle', 'release', user),
      spanName: this.#options.spanName ?? (destination === undefined ? 'process' : `process ${String(destination)}`),
    };
  }
}
