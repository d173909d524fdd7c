import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisListKeys } from '@conveyor/redis';
import { cli, fixture, jsonEvents, killLeftovers, redisUrl, startCli, uniqueKey } from './helpers.js';

let redis: Redis;
const keys: string[] = [];
beforeAll(() => {
  redis = new Redis(redisUrl);
});
afterEach(killLeftovers);
afterAll(async () => {
  for (const key of keys) await redis.unlink(...(Object.values(redisListKeys(key)) as string[]));
  redis.disconnect();
});

describe('the run view: fresh last frame, time to drain, no such key', () => {
  it('the last frame reads the queue again after stopping: no stale depth', async () => {
    const key = uniqueKey('fresh-lag');
    keys.push(key);
    await redis.rpush(key, 'a');
    // A tick every 3 s: once a frame showed the one message, the stop comes long before the next read.
    const running = startCli(['run', fixture('memory-consumer.js'), '--json', '--interval', '3000', '--lag', `${redisUrl}/${key}`]);
    await running.waitForOutput(
      (stdout) => jsonEvents(stdout).some((event) => event.event === 'progress' && event.lagWaiting === 1),
      'a frame with the lag read',
    );
    await redis.rpush(key, 'b', 'c', 'd', 'e', 'f', 'g');
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(0);
    const events = jsonEvents(result.stdout);
    expect(events.at(-1)).toMatchObject({ event: 'stopped', lagWaiting: 7 });
  });

  it('time to drain from the measured net drain rate, and a queue that is not draining', async () => {
    const key = uniqueKey('drain');
    keys.push(key);
    await redis.rpush(key, ...Array.from({ length: 2000 }, (_, n) => String(n)));
    const running = startCli(['run', fixture('memory-consumer.js'), '--json', '--interval', '100', '--lag', `${redisUrl}/${key}`]);
    await running.waitForOutput((stdout) => jsonEvents(stdout).filter((event) => event.event === 'progress').length >= 3, 'three frames');
    // Nobody consumes that list: it does not drain, and no time to drain is promised.
    const steady = jsonEvents(running.stdout()).filter((event) => event.event === 'progress' && typeof event.drainPerSecond === 'number');
    expect(steady.length).toBeGreaterThan(0);
    for (const event of steady) {
      expect(event.drainPerSecond).toBe(0);
      expect(event.drainSeconds).toBeUndefined();
    }
    // Now it drains by 100 a tick or so: a positive rate and a finite time to drain.
    for (let left = 2000; left > 1000; left -= 100) {
      await redis.ltrim(key, 100, -1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await running.waitForOutput(
      (stdout) => jsonEvents(stdout).some((event) => typeof event.drainSeconds === 'number' && (event.drainPerSecond as number) > 0),
      'a time to drain',
    );
    running.child.kill('SIGINT');
    expect((await running.done).code).toBe(0);
  });

  it('a Redis key that does not exist is "no such key", in stats (exit 4) and on the lag line', async () => {
    const key = uniqueKey('typo');
    const stats = await cli(['stats', `${redisUrl}/${key}`]);
    expect(stats.code).toBe(4);
    expect(stats.stderr).toContain(`conveyor: No such key: nothing is stored at ${JSON.stringify(key)} in Redis db 0`);
    const run = await cli([
      'run',
      fixture('memory-consumer.js'),
      '--json',
      '--interval',
      '100',
      '--lag',
      `${redisUrl}/${key}`,
      '--',
      '--exit-when-drained',
    ]);
    expect(run.code).toBe(0);
    const stopped = jsonEvents(run.stdout).at(-1);
    expect(stopped?.lagWaiting).toBeUndefined();
    expect(stopped?.lagError).toMatch(/No such key: nothing is stored at/);
  });
});
