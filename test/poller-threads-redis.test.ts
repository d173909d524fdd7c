import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { uniqueName } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import { redisListKeys } from '@conveyor/redis';

const url = 'redis://127.0.0.1:6379';
const redis = new Redis(url);
const keys: string[] = [];

afterAll(async () => {
  for (const key of keys) await redis.unlink(...(Object.values(redisListKeys(key)) as string[]));
  await redis.quit();
});

describe('poller threads on a real broker (Redis list), end to end', () => {
  it('consumes every message exactly once, failures retried, with sources living in poller threads', async () => {
    const key = uniqueName('conveyor-test:poller-threads');
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
    // Nothing left anywhere: the list is empty, nothing is still being processed or waiting for a retry, no body is kept.
    const side = redisListKeys(key);
    expect(await redis.exists(side.list, side.processing, side.leases, side.delayed, side.bodies, side.dead)).toBe(0);
  });
});
