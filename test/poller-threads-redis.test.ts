import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Consumer, silentLogger } from '@conveyor/core';

const url = 'redis://127.0.0.1:6379';
const redis = new Redis(url);
const keys: string[] = [];

afterAll(async () => {
  for (const key of keys) {
    const related = await redis.keys(`${key}*`);
    if (related.length > 0) await redis.del(...related);
  }
  await redis.quit();
});

describe('poller threads on a real broker (Redis list), end to end', () => {
  it('consumes every message exactly once, failures retried, with sources living in poller threads', async () => {
    const key = `conveyor-test:poller-threads:${randomUUID()}`;
    keys.push(key);
    const total = 2000;
    await redis.rpush(key, ...Array.from({ length: total }, (_, n) => String(n)));
    const consumer = new Consumer(
      { module: new URL('./fixtures/redis-list-source.ts', import.meta.url), options: { url, key } },
      {
        logger: silentLogger,
        pollerThreads: true,
        maxPollers: 2,
        handlerModule: new URL('./fixtures/fail-every-seventh-once.js', import.meta.url),
        maxHandlers: 2,
        bulkSize: 25,
      },
    );
    await consumer.start();
    const deadline = Date.now() + 30_000;
    while (consumer.stats.consumed < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await consumer.shutdown();
    expect(consumer.stats.consumed).toBe(total);
    expect(consumer.stats.failed).toBe(Math.ceil(total / 7));
    // Nothing left anywhere: the list is empty and nothing is still being processed.
    expect(await redis.llen(key)).toBe(0);
    expect(await redis.zcard(`${key}:processing`)).toBe(0);
  });
});
