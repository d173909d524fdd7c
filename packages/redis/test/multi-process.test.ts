import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { Queue, ShardedSource } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';
import { jobHandler } from './fixtures/job-handler.js';
import type { Job } from './fixtures/job-handler.js';
import { connect, redisUrl, uniquePrefix } from './redis-test-client.js';

const redis = connect();
const children: ChildProcess[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const prefix of prefixes.splice(0)) await deleteByPrefix(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

/** Starts a worker process; resolves once it is connected. */
function startWorker(prefix: string, env: Record<string, string>, fixture = 'worker-process.ts'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [new URL(`./fixtures/${fixture}`, import.meta.url).pathname], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PREFIX: prefix,
      QUEUE_WORKER_EMPTY_LIMIT: '2',
      QUEUE_WORKER_EMPTY_PAUSE: '0.01',
      QUEUE_WORKER_ACQUIRE_DELAY: '0.05',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`worker process exited before it was ready (${code ?? signal})`)));
  });
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function jobs(count: number, threads: number): Job[] {
  return Array.from({ length: count }, (_, n) => ({ n, thread: n % threads }));
}

async function totalWaiting(storage: RedisStorage, threads: number): Promise<number> {
  let total = 0;
  for (let thread = 0; thread < threads; thread++) total += await storage.length(`Job/${thread}/0`);
  return total;
}

describe('sharded workers in several processes on one Redis', () => {
  it('two worker processes never handle a request twice and keep per-thread FIFO', async () => {
    const prefix = uniquePrefix('two-processes');
    prefixes.push(prefix);
    const env = { QUEUE_WORKER_BATCH_SIZE: '16', QUEUE_LOCK_TIMEOUT: '10', BATCH_DELAY: '2' };
    const workers = await Promise.all([startWorker(prefix, env), startWorker(prefix, env)]);
    const storage = new RedisStorage(redis, { prefix: `${prefix}s:` });
    const queue = new Queue(storage);
    const count = 3_000;
    const threads = 12;
    await queue.registerMany(jobHandler(), jobs(count, threads));

    await waitFor(async () => (await redis.llen(`${prefix}log`)) >= count, 45_000, 'every job to be handled');
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map(stopped));

    const log = (await redis.lrange(`${prefix}log`, 0, -1)).map((entry) => entry.split(':').map(Number) as [number, number, number]);
    expect(log).toHaveLength(count);
    expect(new Set(log.map(([, , n]) => n)).size).toBe(count);
    expect(new Set(log.map(([pid]) => pid)).size).toBe(2);
    for (let thread = 0; thread < threads; thread++) {
      const order = log.filter(([, t]) => t === thread).map(([, , n]) => n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(await totalWaiting(storage, threads)).toBe(0);
    expect(await redis.llen(`${prefix}stale`)).toBe(0);
  }, 60_000);

  it('a worker process SIGKILLed in the middle of a batch loses nothing', async () => {
    const prefix = uniquePrefix('sigkill');
    prefixes.push(prefix);
    const env = { QUEUE_WORKER_BATCH_SIZE: '8', QUEUE_LOCK_TIMEOUT: '1' };
    const storage = new RedisStorage(redis, { prefix: `${prefix}s:` });
    const queue = new Queue(storage);
    const count = 200;
    const threads = 4;
    await queue.registerMany(jobHandler(), jobs(count, threads));

    const victim = await startWorker(prefix, { ...env, MODE: 'hang' });
    await waitFor(async () => (await redis.llen(`${prefix}started`)) > 0, 20_000, 'the victim to start a batch');
    victim.kill('SIGKILL');
    await stopped(victim);
    expect(await totalWaiting(storage, threads)).toBe(count); // the hung batch was never acknowledged

    const survivor = await startWorker(prefix, env);
    await waitFor(
      async () => (await totalWaiting(storage, threads)) === 0 && (await redis.llen(`${prefix}log`)) >= count,
      30_000,
      'the survivor to handle everything',
    );
    survivor.kill('SIGTERM');
    await stopped(survivor);

    const handled = (await redis.lrange(`${prefix}log`, 0, -1)).map((entry) => Number(entry.split(':')[2]));
    expect(new Set(handled).size).toBe(count);
    expect(handled).toHaveLength(count);
  }, 60_000);

  it('a Consumer process on Redis tubes SIGKILLed in the middle of a bulk loses nothing', async () => {
    const prefix = uniquePrefix('consumer-sigkill');
    prefixes.push(prefix);
    const storage = new RedisStorage(redis, { prefix: `${prefix}s:` });
    const JobHandler = jobHandler();
    const queue = new Queue(storage, { requestHandlers: [JobHandler] });
    const count = 120;
    const threads = 4;
    await queue.registerMany(JobHandler, jobs(count, threads));

    const victim = await startWorker(prefix, {}, 'consumer-process.ts');
    await waitFor(async () => (await redis.llen(`${prefix}started`)) > 0, 20_000, 'the victim to start a bulk');
    victim.kill('SIGKILL');
    await stopped(victim);

    const source = new ShardedSource<Job>(queue, new RedisLock(redis, { prefix: `${prefix}l:`, timeout: 1000 }), {
      logger: silentLogger,
      maxMessagesPerGet: 8,
      waitTime: 50,
    });
    const consumed: Job[] = [];
    const consumer = new Consumer<ShardedMessage<Job>>(source, {
      logger: silentLogger,
      maxPollers: 2,
      bulkSize: 8,
      handler: (bulk) => {
        for (const message of bulk) void message;
      },
    });
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body)));
    await consumer.start();
    try {
      await waitFor(async () => consumed.length >= count, 30_000, 'every job to be consumed after the crash');
    } finally {
      await consumer.shutdown();
    }
    expect(new Set(consumed.map((job) => job.n)).size).toBe(count);
    expect(await totalWaiting(storage, threads)).toBe(0);
    for (let thread = 0; thread < threads; thread++) {
      const order = consumed.filter((job) => job.thread === thread).map((job) => job.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  }, 60_000);
});
