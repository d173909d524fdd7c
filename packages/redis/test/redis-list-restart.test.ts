import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startOwnRedis, until } from '@conveyor/conformance';
import type { OwnRedisServer } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import { RedisListSource } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';

let server: OwnRedisServer;
beforeAll(async () => {
  server = await startOwnRedis({ durable: true });
});
afterAll(async () => {
  await server.dispose();
});

describe('RedisListSource across a Redis restart', () => {
  it('a consumer keeps going when its Redis is killed and restarted, and loses nothing sent before', async () => {
    const redis = new Redis(server.url, { retryStrategy: (times) => Math.min(times * 20, 200) });
    redis.on('error', () => {}); // reconnects are expected here
    const source = new RedisListSource(redis, { key: 'restart:jobs', waitTime: 100, visibilityTimeout: 2000, logger: silentLogger });
    const total = 4000;
    const sent = Array.from({ length: total }, (_, n) => `m-${n}`);
    await source.send(...sent);

    const consumed: string[] = [];
    const consumer = new Consumer<RedisListMessage>(source, {
      logger: silentLogger,
      maxPollers: 2,
      bulkSize: 20,
      maxInFlight: 200,
      settleAttempts: 20,
      async handler(bulk) {
        for (const message of bulk) void message;
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    });
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body)));
    await consumer.start();
    let inFlightAtKill = 0;
    try {
      await until(() => consumed.length >= 500, 20_000, 'a first share consumed');
      inFlightAtKill = consumer.stats.inFlight;
      await server.kill();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.restart();
      await until(() => new Set(consumed).size >= total, 40_000, 'every message consumed after the restart');
    } finally {
      await consumer.shutdown();
    }
    const unique = new Set(consumed);
    expect(
      sent.filter((body) => !unique.has(body)),
      'lost',
    ).toEqual([]);
    expect(consumed.length - unique.size, 'duplicates').toBeLessThanOrEqual(inFlightAtKill);
    expect(consumer.stats.consumed).toBe(consumed.length);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
    await source.clear();
    await redis.quit();
  });
});
