import { afterAll, expect, it } from 'vitest';
import { RedisListSource } from '@conveyor/redis';
import { connectRedis, redisUrl, uniqueName } from '@conveyor/conformance';
import { sigkillRun } from './sigkill-run.js';

const redis = connectRedis();
afterAll(async () => {
  await redis.quit();
});

it('a RedisListSource consumer SIGKILLed at random points, restarted and drained: nothing lost, duplicates within what was in flight', async () => {
  const key = uniqueName('conveyor-test:sigkill-list');
  const source = new RedisListSource(redis, { key });
  const count = 2_000;
  try {
    await source.send(...Array.from({ length: count }, (_, n) => String(n)));
    const outcome = await sigkillRun({
      name: 'Redis list',
      env: { SOURCE: 'redis-list', REDIS_URL: redisUrl, KEY: key },
      count,
      kills: 3,
      maxInFlight: 100,
      remaining: async () => {
        const depth = await source.inspect();
        return depth.waiting + (depth.inFlight ?? 0) + (depth.deadLetters ?? 0);
      },
    });
    expect(outcome.lost).toEqual([]);
    expect(outcome.remaining).toBe(0);
    expect(outcome.duplicates).toBeLessThanOrEqual(outcome.allowedDuplicates);
  } finally {
    await source.clear();
  }
});
