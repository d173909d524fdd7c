import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import type { Bulk, MemoryMessage, Source } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { OpenTelemetryMetrics, currentTraceContext, spanContextOf, toTraceCarrier } from '@conveyor/opentelemetry';
import { StackContextManager } from './fixtures/stack-context-manager.ts';

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

afterEach(() => {
  context.disable();
});

function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { exporter, reader, tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test') };
}

describe('OpenTelemetry messaging semantic conventions', () => {
  it('names process spans after the destination the source describes, with system, operation and batch size', async () => {
    const { exporter, tracer, meter } = sdk();
    const metrics = new OpenTelemetryMetrics({ tracer, meter });
    expect(metrics.spanName).toBe('process');
    const source = new MemorySource<number>({ name: 'orders', waitTime: 10 });
    source.sendMany(Array.from({ length: 30 }, (_, n) => n));
    const consumer = new Consumer(source, {
      handler: (bulk) => void bulk.all(),
      bulkSize: 5,
      maxHandlers: 2,
      metrics,
      logger: silentLogger,
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(metrics.spanName).toBe('process orders');
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(0);
    let messages = 0;
    for (const span of spans) {
      expect(span.name).toBe('process orders');
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.attributes).toMatchObject({
        'messaging.system': 'memory',
        'messaging.destination.name': 'orders',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
      });
      expect(span.parentSpanContext).toBeUndefined(); // a trace of its own: producers are links, not parents
      messages += Number(span.attributes['messaging.batch.message_count']);
    }
    expect(messages).toBe(30);
  });

  it("links each process span to the producers' spans, and hands its own context to the handler", async () => {
    const { exporter, tracer, meter } = sdk();
    context.setGlobalContextManager(new StackContextManager());
    const producerA = tracer.startSpan('send A');
    const producerB = tracer.startSpan('send B');
    // A producer reads the active span's context (what the senders' `traceContext` option calls).
    const sentWithA = context.with(trace.setSpan(ROOT_CONTEXT, producerA), () => currentTraceContext());
    expect(sentWithA).toEqual(toTraceCarrier(producerA.spanContext()));
    expect(currentTraceContext()).toBeUndefined(); // no active span
    const source = new MemorySource<string>({ name: 'orders', waitTime: 10 });
    source.sendMany(['a1', 'a2', 'a3'], { traceContext: sentWithA });
    source.sendMany(['b1'], { traceContext: toTraceCarrier(producerB.spanContext()) });
    source.sendMany(['untraced']);
    const handed: (string | undefined)[] = [];
    const handler = (bulk: Bulk<MemoryMessage<string>>): void => {
      handed.push(spanContextOf(bulk.traceContext)?.spanId);
      for (const message of bulk) void message;
    };
    const metrics = new OpenTelemetryMetrics({ tracer, meter });
    const consumer = new Consumer(source, { handler, bulkSize: 10, metrics, logger: silentLogger });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    const processSpans = exporter.getFinishedSpans().filter((span) => span.name === 'process orders');
    const linked = processSpans.flatMap((span) => span.links.map((link) => link.context.spanId));
    // One link per producer span, however many of its messages a parcel holds.
    expect(linked.sort()).toEqual([producerA.spanContext().spanId, producerB.spanContext().spanId].sort());
    for (const span of processSpans) expect(span.spanContext().traceId).not.toBe(producerA.spanContext().traceId);
    // Every handler call saw the context of its parcel's process span.
    expect(handed.length).toBeGreaterThan(0);
    const processIds = new Set(processSpans.map((span) => span.spanContext().spanId));
    for (const spanId of handed) expect(processIds.has(spanId as string)).toBe(true);
  });

  it('puts the conventions on data points: receive, process and settle operations', async () => {
    const { reader, tracer, meter } = sdk();
    const inner = new MemorySource<number>({ name: 'orders', waitTime: 10 });
    let cleanupCalls = 0;
    // A source whose first cleanup throws (the settler retries it).
    const source: Source<MemoryMessage<number>> = {
      get: (signal, hint) => inner.get(signal, hint),
      cleanup: async (consumed) => {
        if (cleanupCalls++ === 0) throw new Error('broker hiccup');
        inner.cleanup(consumed);
      },
      release: (failed, error) => inner.release(failed, error),
      describe: () => inner.describe(),
    };
    inner.sendMany([1, 2, 3]);
    const metrics = new OpenTelemetryMetrics({ tracer, meter, spans: false });
    const consumer = new Consumer(source, { handler: (bulk) => void bulk.all(), metrics, logger: silentLogger });
    await consumer.start();
    await inner.drained();
    await consumer.shutdown();
    const { resourceMetrics } = await reader.collect();
    const points = new Map<string, DataPoint<unknown>[]>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics) points.set(metric.descriptor.name, metric.dataPoints);
    const base = { 'messaging.system': 'memory', 'messaging.destination.name': 'orders' };
    expect(points.get('messaging.client.consumed.messages')?.[0]).toMatchObject({
      value: 3,
      attributes: { ...base, 'messaging.operation.type': 'receive', 'messaging.operation.name': 'receive' },
    });
    expect(points.get('conveyor.messages.consumed')?.[0]?.attributes).toEqual({
      ...base,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
    });
    expect(points.get('messaging.process.duration')?.[0]?.attributes).toMatchObject({ 'messaging.operation.type': 'process' });
    expect(points.get('conveyor.settle.errors')?.[0]).toMatchObject({
      value: 1,
      attributes: { ...base, 'messaging.operation.type': 'settle', 'messaging.operation.name': 'cleanup' },
    });
  });

  it("observes the source's queue: depth and oldest message age, with the source's attributes", async () => {
    const { reader, tracer, meter } = sdk();
    const clock = new ManualClock();
    const source = new MemorySource<number>({ name: 'orders', clock });
    source.sendMany([1, 2, 3]);
    await clock.advance(12_000);
    const metrics = new OpenTelemetryMetrics({ tracer, meter });
    const consumer = new Consumer(source, { handler: () => {}, metrics, logger: silentLogger, clock });
    metrics.watch(consumer);
    consumer.pause(); // started (the source described), but taking nothing
    await consumer.start();
    const { resourceMetrics } = await reader.collect();
    await consumer.shutdown();
    const points = new Map<string, DataPoint<unknown>[]>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics) points.set(metric.descriptor.name, metric.dataPoints);
    expect(points.get('conveyor.queue.waiting')?.[0]?.value).toBe(3);
    expect(points.get('conveyor.queue.in_flight')?.[0]?.value).toBe(0);
    expect(points.get('conveyor.queue.oldest_age')?.[0]?.value).toBe(12);
    expect(points.get('conveyor.queue.waiting')?.[0]?.attributes).toEqual({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
    });
  });

  it('reads W3C traceparent strictly', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(spanContextOf({ traceparent, tracestate: 'a=1' })).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(spanContextOf({ traceparent, tracestate: 'a=1' })?.traceState?.get('a')).toBe('1');
    expect(toTraceCarrier(spanContextOf({ traceparent, tracestate: 'a=1' })!)).toEqual({ traceparent, tracestate: 'a=1' });
    for (const bad of [
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      'garbage',
    ]) {
      expect(spanContextOf({ traceparent: bad })).toBeUndefined();
    }
    expect(spanContextOf(undefined)).toBeUndefined();
  });
});
