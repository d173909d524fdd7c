// The Prometheus queue gauges read from a real broker at scrape time.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { uniqueName } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import { PrometheusMetrics } from '@conveyor/prometheus';
import { RedisListSender, RedisListSource } from '@conveyor/redis';

const redis = new Redis('redis://127.0.0.1:6379');
afterAll(async () => {
  await redis.quit();
});

function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus queue gauges on a Redis list', () => {
  it('scrape the depth the source tells: waiting, in flight, dead letters', async () => {
    const key = uniqueName('conveyor-test:gauges');
    const source = new RedisListSource(redis, { key, waitTime: 0, logger: silentLogger });
    try {
      await new RedisListSender(redis, { key }).send(Array.from({ length: 12 }, (_, n) => String(n)));
      const metrics = new PrometheusMetrics();
      const consumer = new Consumer(source, { handler: () => {}, metrics, logger: silentLogger });
      metrics.watch(consumer);
      let text = await metrics.registry.metrics();
      expect(valueOf(text, 'conveyor_queue_waiting_messages')).toBe(12);
      expect(valueOf(text, 'conveyor_queue_in_flight_messages')).toBe(0);
      expect(valueOf(text, 'conveyor_queue_dead_letter_messages')).toBe(0);
      // Redis keeps no enqueue time: no oldest-age series rather than a wrong one.
      expect(valueOf(text, 'conveyor_queue_oldest_message_age_seconds')).toBeUndefined();
      const delivered = await source.get(new AbortController().signal, { maxMessages: 5 });
      text = await metrics.registry.metrics();
      expect(valueOf(text, 'conveyor_queue_waiting_messages')).toBe(7);
      expect(valueOf(text, 'conveyor_queue_in_flight_messages')).toBe(5);
      await source.cleanup(delivered);
    } finally {
      await source.clear();
    }
  });
});
