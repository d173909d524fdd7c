import { describe, expect, it } from 'vitest';
import { Consumer, ConsumerStateError, InvalidOptionError, MemorySource, silentLogger } from '@conveyor/core';
import type { Bulk, MemoryMessage } from '@conveyor/core';
import { Registry } from 'prom-client';
import { PrometheusMetrics, serveMetrics } from '@conveyor/prometheus';

/** Every tenth message fails on its first delivery and is consumed when it comes back. */
function failTenth(bulk: Bulk<MemoryMessage<{ n: number }>>): void {
  for (const message of bulk) {
    if (message.body.n % 10 === 0 && message.receiveCount === 1) bulk.fail(message, new Error('first try'));
  }
}

function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics', () => {
  it('counts a real run exactly and serves it on /metrics', async () => {
    const source = new MemorySource<{ n: number }>({ waitTime: 10 });
    source.sendMany(Array.from({ length: 200 }, (_, n) => ({ n })));
    const metrics = new PrometheusMetrics({ labels: { consumer: 'orders' } });
    const consumer = new Consumer(source, {
      handler: failTenth,
      maxPollers: 2,
      maxHandlers: 2,
      bulkSize: 8,
      metrics,
      logger: silentLogger,
    });
    metrics.watch(consumer);
    const server = await serveMetrics(metrics.registry, { port: 0, host: '127.0.0.1' });
    try {
      await consumer.start();
      await source.drained();
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
      const text = await response.text();
      expect(valueOf(text, 'conveyor_messages_received_total{consumer="orders"}')).toBe(220);
      expect(valueOf(text, 'conveyor_messages_consumed_total{consumer="orders"}')).toBe(200);
      expect(valueOf(text, 'conveyor_messages_failed_total{consumer="orders"}')).toBe(20);
      expect(valueOf(text, 'conveyor_parcel_messages_sum{consumer="orders"}')).toBe(220);
      expect(valueOf(text, 'conveyor_bulks_total{consumer="orders"}')).toBeGreaterThanOrEqual(Math.ceil(220 / 8));
      const parcels = valueOf(text, 'conveyor_parcels_total{consumer="orders"}');
      expect(valueOf(text, 'conveyor_handler_duration_seconds_count{consumer="orders"}')).toBe(parcels);
      expect(valueOf(text, 'conveyor_queue_wait_seconds_count{consumer="orders"}')).toBe(parcels);
      expect(valueOf(text, 'conveyor_settle_errors_total{consumer="orders",operation="release"}')).toBe(0);
      expect(valueOf(text, 'conveyor_in_flight_messages{consumer="orders"}')).toBe(0);
      expect(valueOf(text, 'conveyor_pollers_alive{consumer="orders"}')).toBe(2);
      expect(valueOf(text, 'conveyor_pool_threads{consumer="orders"}')).toBe(0);

      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
      const head = await fetch(server.url, { method: 'HEAD' });
      expect(head.status).toBe(200);
    } finally {
      await consumer.shutdown();
      await server.close();
    }
  });

  it('counts settle errors by operation', async () => {
    const source = new MemorySource<number>({ waitTime: 10 });
    source.sendMany([1, 2, 3]);
    let failures = 1;
    const flaky = {
      get: source.get.bind(source),
      release: source.release.bind(source),
      cleanup: (messages: MemoryMessage<number>[]) => {
        if (failures-- > 0) throw new Error('once');
        source.cleanup(messages);
      },
    };
    const metrics = new PrometheusMetrics({ prefix: 'app_' });
    const consumer = new Consumer(flaky, {
      handler: (bulk) => void [...bulk],
      maxPollers: 1,
      maxHandlers: 1,
      bulkSize: 3,
      metrics,
      logger: silentLogger,
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    const text = await metrics.registry.metrics();
    expect(valueOf(text, 'app_settle_errors_total{operation="cleanup"}')).toBe(1);
    expect(valueOf(text, 'app_settle_errors_total{operation="release"}')).toBe(0);
    expect(valueOf(text, 'app_messages_consumed_total')).toBe(3);
  });

  it('keeps instances apart and validates its options', () => {
    const shared = new Registry();
    new PrometheusMetrics({ registry: shared, labels: { consumer: 'a' } });
    expect(() => new PrometheusMetrics({ registry: shared })).toThrow(/already been registered/);
    expect(() => new PrometheusMetrics()).not.toThrow();
    expect(() => new PrometheusMetrics({ prefix: '1bad' })).toThrow(InvalidOptionError);
    expect(() => new PrometheusMetrics({ labels: { le: 'x' } })).toThrow(/labels\.le/);
    expect(() => new PrometheusMetrics({ durationBuckets: [1, 0.5] })).toThrow(InvalidOptionError);
    const metrics = new PrometheusMetrics();
    const consumer = {
      stats: {
        state: 'new',
        paused: false,
        inFlight: 0,
        inFlightLimit: 1024,
        pendingBulks: 0,
        pollersAlive: 0,
        pollerRestarts: 0,
        poolThreads: 0,
        received: 0,
        consumed: 0,
        failed: 0,
      },
    } as const;
    metrics.watch(consumer);
    expect(() => metrics.watch(consumer)).toThrow(ConsumerStateError);
  });
});

describe('serveMetrics', () => {
  it('rejects with a clear error when the port is taken, and validates the port', async () => {
    const registry = new Registry();
    const first = await serveMetrics(registry, { port: 0, host: '127.0.0.1' });
    try {
      await expect(serveMetrics(registry, { port: first.port, host: '127.0.0.1' })).rejects.toThrow(
        `Cannot serve metrics on 127.0.0.1:${first.port}: the port is in use`,
      );
    } finally {
      await first.close();
    }
    await expect(serveMetrics(registry, { port: 70_000 })).rejects.toThrow(InvalidOptionError);
  });
});
