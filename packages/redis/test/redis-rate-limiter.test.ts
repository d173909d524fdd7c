import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { RedisRateLimiter } from '@conveyor/redis';
import { connect, redisUrl, uniquePrefix } from './redis-test-client.js';

const redis = connect();
const keys: string[] = [];
afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function limiterKey(label: string): string {
  const key = uniquePrefix(label);
  keys.push(`{${key}}:bucket`);
  return key;
}

/** Runs the fixture to its end; resolves with what it printed. */
function runConsumer(env: Record<string, string>): Promise<{ handled: number; first: number; last: number }> {
  const child = spawn(process.execPath, [new URL('./fixtures/rate-limited-consumer.ts', import.meta.url).pathname], {
    env: { ...process.env, REDIS_URL: redisUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const match = /handled (\d+) (\d+) (\d+)/.exec(output);
      if (code !== 0 || match === null) reject(new Error(`consumer process exited with ${code}: ${output}`));
      else resolve({ handled: Number(match[1]), first: Number(match[2]), last: Number(match[3]) });
    });
  });
}

describe('RedisRateLimiter', () => {
  it('three consumer processes sharing one limiter stay within its budget together, and each makes progress', async () => {
    const messages = 200;
    const burst = 20;
    const env = {
      LIMITER_KEY: limiterKey('rate-shared'),
      MESSAGES: String(messages),
      BURST: String(burst),
      DURATION_MS: '2000',
      START_AT: String(Date.now() + 1500),
    };
    const runs = await Promise.all([runConsumer(env), runConsumer(env), runConsumer(env)]);
    const total = runs.reduce((sum, run) => sum + run.handled, 0);
    const seconds = (Math.max(...runs.map((run) => run.last)) - Math.min(...runs.map((run) => run.first))) / 1000;
    console.log(
      `shared rate limit ${messages}/s (burst ${burst}): ${runs.map((run) => run.handled).join(' + ')} = ${total} handled in ${seconds.toFixed(2)} s ` +
        `(${(total / seconds).toFixed(0)}/s)`,
    );
    // A token bucket never lets more than burst + rate × time through; the window runs from the first
    // process's start to the last message handled, so it holds every take (Redis and the processes share this clock).
    expect(total).toBeLessThanOrEqual(burst + messages * seconds + 1);
    // Unlimited, each process would handle its 100,000 messages in well under a second; limited, the budget is used.
    expect(total).toBeGreaterThan(messages * seconds * 0.6);
    for (const run of runs) expect(run.handled).toBeGreaterThan(total / 10);
  }, 30_000);

  it('takes what the bucket has and says how long until the rest; two limiters of one key share it', async () => {
    const key = limiterKey('rate-take');
    const first = new RedisRateLimiter(redis, { key, messages: 10, per: 1000, burst: 10, maxTake: 10 });
    const second = new RedisRateLimiter(redis, { key, messages: 10, per: 1000, burst: 10, maxTake: 10 });
    expect(await first.tryTake(6)).toEqual({ granted: 6, waitMs: 0 });
    const partial = await second.tryTake(10);
    expect(partial.granted).toBe(4);
    // 6 tokens missing at 10 a second: about 600 ms.
    expect(partial.waitMs).toBeGreaterThan(500);
    expect(partial.waitMs).toBeLessThanOrEqual(600);
    const started = Date.now();
    await second.acquire(2, new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // two tokens need 200 ms of refill (timer slack)
  });

  it('an aborted wait resolves at once', async () => {
    const limiter = new RedisRateLimiter(redis, { key: limiterKey('rate-abort'), messages: 1, per: 60_000 });
    await limiter.acquire(1, new AbortController().signal);
    const controller = new AbortController();
    const waiting = limiter.acquire(1, controller.signal);
    controller.abort();
    await waiting;
  });

  it('validates its options with errors that say what to write', () => {
    const make = (options: unknown) => (): unknown => new RedisRateLimiter(redis, options as never);
    expect(make({ key: 'k' })).toThrow(/`messages` to be a positive integer/);
    expect(make({ key: 'k', messages: 0 })).toThrow(InvalidOptionError);
    expect(make({ key: '', messages: 5 })).toThrow(/`key` to be a non-empty string/);
    expect(make({ key: 'a}b', messages: 5 })).toThrow(/hash tag/);
    expect(make({ key: 'k', messages: 5, per: -1 })).toThrow(/`per`/);
    expect(make({ key: 'k', messages: 5, burst: 2, maxTake: 3 })).toThrow(/`maxTake` to be at most `burst`/);
    expect(make({ key: 'k', messages: 5, rate: 3 })).toThrow(/`rate`/);
    expect(new RedisRateLimiter(redis, { key: '{tenant}:api', messages: 200 }).options).toMatchObject({
      bucketKey: '{tenant}:api:bucket',
      per: 1000,
      burst: 200,
      maxTake: 20,
    });
    expect(() => new RedisRateLimiter({} as never, { key: 'k', messages: 5 })).toThrow(/ioredis client/);
  });
});
