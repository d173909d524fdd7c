import { BroadcastChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import { OpenTelemetryMetrics } from '@conveyor/opentelemetry';
import type { PostedSpan } from './fixtures/span-channel-initializer.ts';

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

describe('handler spans on pool threads', () => {
  it('are children of their parcel’s process span: the context crosses the thread hop with the parcel', async () => {
    const channelName = `conveyor-test-spans-${process.pid}-${Date.now()}`;
    process.env.CONVEYOR_TEST_SPAN_CHANNEL = channelName; // pool threads copy the environment when they start
    const channel = new BroadcastChannel(channelName);
    const posted: PostedSpan[] = [];
    channel.onmessage = (event) => posted.push((event as { data: PostedSpan }).data);
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
    const metrics = new OpenTelemetryMetrics({ tracer });
    const source = new MemorySource<number>({ name: 'jobs', waitTime: 10 });
    source.sendMany(Array.from({ length: 40 }, (_, n) => n));
    const consumer = new Consumer(source, {
      handlerModule: fixture('traced-handler.ts'),
      poolInitializer: fixture('span-channel-initializer.ts'),
      maxHandlers: 2,
      bulkSize: 4,
      metrics,
      logger: silentLogger,
    });
    try {
      await consumer.start();
      await source.drained();
    } finally {
      await consumer.shutdown();
    }
    const processSpans = exporter.getFinishedSpans();
    const bulks = processSpans.reduce((sum, span) => sum + Number(span.attributes['conveyor.bulks']), 0);
    expect(bulks).toBeGreaterThanOrEqual(10);
    // Two spans per handler call, posted from the pool threads.
    const deadline = Date.now() + 5_000;
    while (posted.length < 2 * bulks && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    channel.close();
    expect(posted).toHaveLength(2 * bulks);
    const byId = new Map(processSpans.map((span) => [span.spanContext().spanId, span]));
    for (const span of posted) {
      const parent = byId.get(span.parentSpanId ?? '');
      expect(parent?.name, `${span.name} has the process span as parent`).toBe('process jobs');
      expect(span.traceId).toBe(parent?.spanContext().traceId);
    }
    expect(posted.filter((span) => span.name === 'inner work')).toHaveLength(bulks);
  });
});
