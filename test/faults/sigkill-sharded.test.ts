import { afterAll, expect, it } from 'vitest';
import { RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { Queue, Route } from '@conveyor/sharded';
import { connectRedis, redisUrl, uniqueName } from '@conveyor/conformance';
import { KillJob } from '../fixtures/kill-job.ts';
import type { KillJobBody } from '../fixtures/kill-job.ts';
import { sigkillRun } from './sigkill-run.js';

const redis = connectRedis();
afterAll(async () => {
  await redis.quit();
});

it('a ShardedSource consumer on Redis SIGKILLed at random points, restarted and drained: nothing lost, duplicates within what was in flight', async () => {
  const prefix = uniqueName('conveyor-test:sigkill-sharded', ':');
  const queue = new Queue(new RedisStorage(redis, { prefix: `${prefix}s:` }), { requestHandlers: [KillJob] });
  const count = 2_000;
  const threads = 16;
  try {
    await queue.registerMany(
      KillJob,
      Array.from({ length: count }, (_, n): KillJobBody => ({ n, thread: n % threads })),
    );
    const outcome = await sigkillRun({
      name: 'sharded on Redis',
      env: { SOURCE: 'sharded', REDIS_URL: redisUrl, KEY: prefix },
      count,
      kills: 3,
      maxInFlight: 100,
      remaining: async () => {
        let waiting = 0;
        for (let thread = 0; thread < threads; thread++) waiting += await queue.length(KillJob, new Route(thread));
        return waiting;
      },
    });
    expect(outcome.lost).toEqual([]);
    expect(outcome.remaining).toBe(0);
    expect(outcome.duplicates).toBeLessThanOrEqual(outcome.allowedDuplicates);
  } finally {
    await deleteByPrefix(redis, prefix);
  }
});
