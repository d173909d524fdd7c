import { spawn } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { until } from '@conveyor/conformance';
import { connect, redisUrl, uniquePrefix } from './redis-test-client.js';

const redis = connect();
const prefixes: string[] = [];
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deleteByPrefix(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

const address = (thread: number, priority: number) => ({
  handlerName: 'Job',
  thread: `Job/${thread}`,
  tube: `Job/${thread}/${priority}`,
  priority,
  rank: priority,
});

/** A sharded storage whose `count` messages (over 3 threads, 2 priorities) all failed once with maxFailures 1: all dead. */
async function deadStorage(count: number): Promise<{ storage: RedisStorage; messages: string[] }> {
  const prefix = uniquePrefix('sharded-redrive');
  prefixes.push(prefix);
  const storage = new RedisStorage(redis, { prefix });
  const messages = Array.from({ length: count }, (_, n) => JSON.stringify({ n }));
  for (const [n, message] of messages.entries()) await storage.append(address(n % 3, n % 2), [message], false);
  for (;;) {
    const threads = await storage.threads(10);
    if (threads.length === 0) break;
    for (const thread of threads) {
      const batch = await storage.peek(thread, 50);
      if (batch === undefined) continue;
      await storage.settle(
        { ...batch, count: batch.messages.length },
        batch.messages.map((_m, index) => index),
        { reason: 'Error: boom', maxFailures: 1 },
      );
    }
  }
  expect(await storage.count('dead')).toBe(count);
  return { storage, messages };
}

/** Every message waiting in the storage's tubes, consumed. */
async function takeAll(storage: RedisStorage): Promise<{ tube: string; message: string }[]> {
  const taken: { tube: string; message: string }[] = [];
  for (;;) {
    const threads = await storage.threads(10);
    if (threads.length === 0) return taken;
    for (const thread of threads) {
      const batch = await storage.peek(thread, 50);
      if (batch === undefined) continue;
      taken.push(...batch.messages.map((message) => ({ tube: batch.tube, message })));
      await storage.settle({ ...batch, count: batch.messages.length });
    }
  }
}

describe('RedisStorage.redriveDeadLetters() (sharded queue)', () => {
  it('sends every dead letter back to the tube it died in, once; --limit takes the oldest', async () => {
    const { storage, messages } = await deadStorage(30);
    const dead = await storage.deadLetters(100);
    expect(dead[0]).toMatchObject({ reason: 'Error: boom', failures: 1 });
    expect(await storage.redriveDeadLetters({ limit: 10 })).toBe(10);
    expect(await storage.count('dead')).toBe(20);
    expect(await storage.redriveDeadLetters()).toBe(20);
    expect(await storage.count('dead')).toBe(0);
    const back = await takeAll(storage);
    expect(back.map((entry) => entry.message).sort()).toEqual([...messages].sort());
    for (const entry of back) {
      const n = (JSON.parse(entry.message) as { n: number }).n;
      expect(entry.tube).toBe(`Job/${n % 3}/${n % 2}`);
    }
    expect(await storage.redriveDeadLetters()).toBe(0);
  });

  it('a redrive killed midway loses nothing and moves nothing twice', async () => {
    const { storage, messages } = await deadStorage(300);
    const child = spawn(process.execPath, [new URL('./fixtures/redrive-process.ts', import.meta.url).pathname], {
      env: { ...process.env, REDIS_URL: redisUrl, KEY: storage.prefix, SHARDED: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(async () => (await storage.count('dead')) <= 250, 15_000, 'the redrive under way');
    child.kill('SIGKILL');
    await exited;
    const left = await storage.count('dead');
    expect(left).toBeGreaterThan(0);
    expect(await storage.redriveDeadLetters()).toBe(left);
    const back = await takeAll(storage);
    expect(back.map((entry) => entry.message).sort()).toEqual([...messages].sort());
  });
});
