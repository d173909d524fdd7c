// Trace context from a producer in code, through a real broker, to the consumer's process spans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { startSqsServer, uniqueName, until } from '@conveyor/conformance';
import type { SqsTestServer } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import type { Source } from '@conveyor/core';
import { OpenTelemetryMetrics, toTraceCarrier } from '@conveyor/opentelemetry';
import { RedisListSender, RedisListSource } from '@conveyor/redis';
import { SqsSender, SqsSource } from '@conveyor/sqs';

const redis = new Redis('redis://127.0.0.1:6379');
let sqs: SqsTestServer;
beforeAll(async () => {
  sqs = await startSqsServer();
});
afterAll(async () => {
  await redis.quit();
  await sqs.stop();
});

/** Consumes `count` messages of `source` with a tracing adapter; returns the process spans. */
async function consume<M>(source: Source<M>, count: number, exporter: InMemorySpanExporter): Promise<ReadableSpan[]> {
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('consumer');
  const consumer = new Consumer(source, {
    handler: (bulk) => void bulk.all(),
    bulkSize: 10,
    metrics: new OpenTelemetryMetrics({ tracer }),
    logger: silentLogger,
  });
  await consumer.start();
  try {
    await until(() => consumer.stats.consumed >= count, 10_000, 'every message consumed');
  } finally {
    await consumer.shutdown();
  }
  return exporter.getFinishedSpans().filter((span) => span.name.startsWith('process '));
}

describe('producer trace context becomes links on process spans', () => {
  const producerTracer = new BasicTracerProvider().getTracer('producer');

  it('Redis list: RedisListSender stores it, RedisListSource reads it', async () => {
    const key = uniqueName('conveyor-test:links');
    const source = new RedisListSource(redis, { key, waitTime: 50, logger: silentLogger });
    try {
      const producer = producerTracer.startSpan('send orders');
      const sender = new RedisListSender(redis, { key, traceContext: () => toTraceCarrier(producer.spanContext()) });
      await sender.send(['a', 'b', 'c']);
      producer.end();
      const spans = await consume(source, 3, new InMemorySpanExporter());
      expect(spans.length).toBeGreaterThan(0);
      for (const span of spans) {
        expect(span.name).toBe(`process ${key}`);
        expect(span.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.destination.name': key });
      }
      const links = spans.flatMap((span) => span.links.map((link) => link.context));
      expect(links.map((link) => link.spanId)).toContain(producer.spanContext().spanId);
      expect(links.every((link) => link.traceId === producer.spanContext().traceId)).toBe(true);
      expect(await redis.hlen(source.keys.bodies)).toBe(0); // trace fields are deleted with the bodies
    } finally {
      await source.clear();
    }
  });

  it('SQS: SqsSender sends it as message attributes, SqsSource reads them', async () => {
    const name = uniqueName('links');
    const { QueueUrl: queueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: name }));
    const source = new SqsSource({ client: sqs.client, queueUrl: queueUrl as string, waitTimeSeconds: 0 });
    try {
      const producer = producerTracer.startSpan('send orders');
      const sender = new SqsSender({
        client: sqs.client,
        queueUrl: queueUrl as string,
        traceContext: () => toTraceCarrier(producer.spanContext()),
      });
      await sender.send(['a', 'b']);
      producer.end();
      const spans = await consume(source, 2, new InMemorySpanExporter());
      for (const span of spans) {
        expect(span.name).toBe(`process ${name}`);
        expect(span.attributes).toMatchObject({ 'messaging.system': 'aws_sqs', 'messaging.destination.name': name });
      }
      expect(spans.flatMap((span) => span.links.map((link) => link.context.spanId))).toContain(producer.spanContext().spanId);
    } finally {
      await sqs.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    }
  });
});
