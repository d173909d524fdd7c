import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startOwnRedis } from '@conveyor/conformance';
import type { OwnRedisServer } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisRateLimiter } from '@conveyor/redis';

let server: OwnRedisServer;
beforeAll(async () => {
  server = await startOwnRedis({ durable: false });
});
afterAll(async () => {
  await server.dispose();
});

it('while its Redis is down, a RedisRateLimiter lets nothing through and says so once; it goes on when Redis is back', async () => {
  // Commands fail fast while the server is down (the default would queue them for seconds).
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => {}); // reconnects are expected here
  const warnings: string[] = [];
  const limiter = new RedisRateLimiter(redis, {
    key: 'outage',
    messages: 1000,
    burst: 10,
    maxTake: 10,
    logger: { ...silentLogger, warn: (_details: unknown, message?: string) => void warnings.push(String(message)) },
  });
  const never = new AbortController().signal;
  try {
    await limiter.acquire(10, never);
    await server.kill();
    let granted = false;
    const waiting = limiter.acquire(5, never).then(() => (granted = true));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(granted).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Redis rate limiter outage: Redis failed .*no message goes without a token/);
    await server.restart();
    await waiting;
    expect(granted).toBe(true);
    expect(warnings).toHaveLength(1);
  } finally {
    redis.disconnect();
  }
});
