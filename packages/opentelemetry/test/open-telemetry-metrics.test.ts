import { describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Consumer, InvalidOptionError, MemorySource, silentLogger } from '@conveyor/core';
import type { Bulk, MemoryMessage } from '@conveyor/core';
import { OpenTelemetryMetrics } from '@conveyor/opentelemetry';

/** A reader the test collects from when it wants. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function failTenth(bulk: Bulk<MemoryMessage<{ n: number }>>): void {
  for (const message of bulk) {
    if (message.body.n % 10 === 0 && message.receiveCount === 1) bulk.fail(message, new Error('first try'));
  }
}

async function collect(reader: TestReader): Promise<Map<string, DataPoint<unknown>[]>> {
  const { resourceMetrics } = await reader.collect();
  const byName = new Map<string, DataPoint<unknown>[]>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric.dataPoints);
  return byName;
}

function setup(options: { spans?: boolean } = {}) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const metrics = new OpenTelemetryMetrics({
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    attributes: { 'messaging.destination.name': 'orders' },
    ...options,
  });
  return { exporter, reader, metrics };
}

async function run(metrics: OpenTelemetryMetrics, count: number): Promise<void> {
  const source = new MemorySource<{ n: number }>({ waitTime: 10 });
  source.sendMany(Array.from({ length: count }, (_, n) => ({ n })));
  const consumer = new Consumer(source, { handler: failTenth, maxPollers: 2, maxHandlers: 2, bulkSize: 8, metrics, logger: silentLogger });
  metrics.watch(consumer);
  await consumer.start();
  await source.drained();
  await consumer.shutdown();
}

describe('OpenTelemetryMetrics', () => {
  it('makes a span per parcel of bulks with its message counts', async () => {
    const { exporter, metrics } = setup();
    await run(metrics, 200);
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(0);
    const sum = (key: string): number => spans.reduce((total, span) => total + Number(span.attributes[key]), 0);
    expect(sum('messaging.batch.message_count')).toBe(220);
    expect(sum('conveyor.messages.consumed')).toBe(200);
    expect(sum('conveyor.messages.failed')).toBe(20);
    expect(sum('conveyor.bulks')).toBeGreaterThanOrEqual(Math.ceil(220 / 8));
    for (const span of spans) {
      expect(span.name).toBe('process orders');
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.attributes['messaging.destination.name']).toBe('orders');
      expect(span.attributes['messaging.operation.type']).toBe('process');
      expect(span.status.code).toBe(Number(span.attributes['conveyor.messages.failed']) > 0 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
      const [startSeconds, startNanos] = span.startTime;
      const [endSeconds, endNanos] = span.endTime;
      expect(endSeconds * 1e9 + endNanos).toBeGreaterThanOrEqual(startSeconds * 1e9 + startNanos);
    }
  });

  it('counts exactly through the metrics API, and observes the consumer', async () => {
    const { reader, exporter, metrics } = setup();
    await run(metrics, 100);
    const points = await collect(reader);
    const total = (name: string): number => (points.get(name) ?? []).reduce((sum, point) => sum + Number(point.value), 0);
    expect(total('messaging.client.consumed.messages')).toBe(110);
    expect(total('conveyor.messages.consumed')).toBe(100);
    expect(total('conveyor.messages.failed')).toBe(10);
    const handler = points.get('messaging.process.duration')?.[0]?.value as Histogram | undefined;
    expect(handler?.count).toBe(exporter.getFinishedSpans().length);
    expect((points.get('conveyor.parcel.messages')?.[0]?.value as Histogram | undefined)?.sum).toBe(110);
    expect(points.get('conveyor.messages.in_flight')?.[0]?.value).toBe(0);
    expect(points.get('conveyor.poller.restarts')?.[0]?.value).toBe(0);
    expect(points.get('messaging.client.consumed.messages')?.[0]?.attributes).toEqual({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'receive',
      'messaging.operation.name': 'receive',
    });
  });

  it('spans: false keeps only the metrics; bad options are refused', async () => {
    const { exporter, reader, metrics } = setup({ spans: false });
    await run(metrics, 10);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    const points = await collect(reader);
    expect(points.get('conveyor.messages.consumed')?.[0]?.value).toBe(10);
    expect(() => new OpenTelemetryMetrics({ tracer: {} as never })).toThrow(InvalidOptionError);
    expect(() => new OpenTelemetryMetrics({ spanName: '' })).toThrow(InvalidOptionError);
    // Without an SDK the API's no-op implementations take the calls.
    const noop = new OpenTelemetryMetrics();
    noop.received(3);
    noop.settled({ bulks: 1, consumed: 2, failed: 1, handlerMs: 1, waitMs: 0, threadId: undefined });
    noop.settleError('cleanup');
  });
});
