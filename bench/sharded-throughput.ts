// Benchmark of the sharded queue (@conveyor/sharded, @conveyor/redis).
//
// 1. The original library's performance test, without its bugs: N−1 no-op requests
//    routed by n mod T (T in 1, 2, 5, 10, 20, 50; N in 10,000 and 100,000), batch 512,
//    memory drivers. Registration rps, handling rps with one worker, and with T workers
//    side by side (the original ran one loop with a wrong count there). The headline is the
//    serialized storage (a JSON encode and decode per request, as the original's storage
//    did): like for like. The default storage, which keeps request values, is one more row.
//    The original is a Python package this machine cannot install (no PyPI), so it does not
//    run here and nothing is divided by its figures; the audit measured it on this
//    machine kind at N = 10,000: registration 66–90k rps, handling 134–192k rps.
// 2. The same workload end to end on Redis (register, handle, acknowledge, T workers in
//    one process sharing one connection), and in the same run on the same Redis its
//    closest peers: groupmq (per-group FIFO: add, then a Worker with a no-op handler,
//    concurrency 100, groups = T) and BullMQ (addBulk + a Worker with a no-op processor,
//    concurrency 100). Sides are interleaved round by round; ratios are per round.
//
// Every cell prints min / median / max of SHARDED_BENCH_TRIALS runs (default 3; memory cells
// run at least 1,000,000 requests in all), and the load average is printed with each section.
//
//   node bench/sharded-throughput.ts                       # a few minutes
//   SHARDED_BENCH_FULL=1 node bench/sharded-throughput.ts  # 100,000 on Redis too, every T (10–15 minutes)
//
// Knobs: SHARDED_BENCH_REDIS_N (requests per Redis run), SHARDED_BENCH_TRIALS,
// SHARDED_BENCH_ONLY=memory|redis, REDIS_URL (redis://127.0.0.1:6379).
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { Queue as GroupQueue, Worker as GroupWorker } from 'groupmq';
import { silentLogger } from '@conveyor/core';
import { RequestHandler, MemoryLock, MemoryStorage, Queue, Route, Worker } from '@conveyor/sharded';
import type { Lock, Storage } from '@conveyor/sharded';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { spread } from './spread.ts';

const full = process.env.SHARDED_BENCH_FULL === '1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const memorySizes = [10_000, 100_000];
const threadCounts = [1, 2, 5, 10, 20, 50];
const redisSize = Number(process.env.SHARDED_BENCH_REDIS_N ?? (full ? 100_000 : 20_000));
const redisThreadCounts = full ? threadCounts : [10, 50];
const trials = Number(process.env.SHARDED_BENCH_TRIALS ?? (full ? 5 : 3));
const only = process.env.SHARDED_BENCH_ONLY;
const batchSize = 512;

interface DummyRequest {
  readonly n: number;
}

// The original routed by a module-level thread count; so does this.
let threads = 1;

class DummyHandler extends RequestHandler<DummyRequest> {
  static override route(...requests: DummyRequest[]): Route[] {
    return requests.map((request) => new Route(request.n % threads));
  }

  handle(): void {}
}

function requestsOf(size: number): DummyRequest[] {
  return Array.from({ length: size - 1 }, (_, index) => ({ n: index + 1 }));
}

/** Runs `workers` workers side by side until `total` requests are handled. */
async function handleAll(lock: Lock, queue: Queue, total: number, workers: number): Promise<void> {
  const settings = { logger: silentLogger, batchSize, emptyLimit: 0, emptyPause: 0, acquireDelay: 1 };
  const loops: Promise<number>[] = [];
  for (let index = 0; index < workers; index++) {
    const share = Math.floor(total / workers) + (index < total % workers ? 1 : 0);
    loops.push(new Worker(lock, queue, settings).loop(share));
  }
  const handled = (await Promise.all(loops)).reduce((sum, count) => sum + count, 0);
  if (handled !== total) throw new Error(`handled ${handled} of ${total}`);
}

async function seconds(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return (performance.now() - started) / 1000;
}

const rps = (count: number, time: number): number => Math.round(count / time);
const thousands = (value: number): string => `${(value / 1000).toFixed(0)}k`;
const cell = (values: number[]): string => spread(values, thousands).padStart(16);
const ratios = (ours: number[], theirs: number[]): string =>
  spread(
    ours.map((value, index) => value / (theirs[index] as number)),
    (value) => `×${value.toFixed(1)}`,
  );
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function assertEmpty(storage: Storage<unknown>, queue: Queue): Promise<void> {
  for (let thread = 0; thread < threads; thread++) {
    if ((await storage.length(queue.tube(DummyHandler, new Route(thread)).tube)) !== 0) throw new Error(`thread ${thread} is not empty`);
  }
}

// ---------------------------------------------------------------- memory drivers

async function memoryBench(): Promise<void> {
  console.log(`\n== memory drivers: the original performance test (batch 512, no-op handler), min/median/max; load ${load()} ==`);
  console.log('     N    T  storage       register rps       1 worker rps      T workers rps');
  // Warm the JIT up, as a long-running process would be.
  for (const threadCount of [1, 5, 50]) {
    threads = threadCount;
    for (const serialized of [true, false]) {
      const warm = new Queue(new MemoryStorage({ serialized }));
      for (let round = 0; round < 5; round++) {
        await warm.registerMany(DummyHandler, requestsOf(20_000));
        await handleAll(new MemoryLock(), warm, 19_999, threadCount);
      }
    }
  }

  const worst = { registration: Infinity, handling: Infinity };
  const row = async (size: number, threadCount: number, serialized: boolean): Promise<void> => {
    threads = threadCount;
    const requests = requestsOf(size);
    const register: number[] = [];
    const one: number[] = [];
    const many: number[] = [];
    // A run lasts milliseconds: one preemption or major GC spoils it, so every cell measures 1M requests or more.
    const cellTrials = Math.max(trials, Math.ceil(1_000_000 / size));
    for (let trial = 0; trial < cellTrials; trial++) {
      const storage = new MemoryStorage({ serialized });
      const queue = new Queue(storage);
      const lock = new MemoryLock();
      register.push(rps(requests.length, await seconds(() => queue.registerMany(DummyHandler, requests))));
      one.push(rps(requests.length, await seconds(() => handleAll(lock, queue, requests.length, 1))));
      await assertEmpty(storage, queue);
      await queue.registerMany(DummyHandler, requests);
      many.push(rps(requests.length, await seconds(() => handleAll(lock, queue, requests.length, threadCount))));
      await assertEmpty(storage, queue);
    }
    if (serialized) {
      const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
      worst.registration = Math.min(worst.registration, median(register));
      worst.handling = Math.min(worst.handling, median(one), median(many));
    }
    console.log(
      `${String(size).padStart(6)} ${String(threadCount).padStart(4)}  ${serialized ? 'serialized' : 'values    '} ${cell(register)}   ${cell(one)}   ${cell(many)}`,
    );
  };
  for (const size of memorySizes) for (const threadCount of threadCounts) await row(size, threadCount, true);
  await row(10_000, 10, false);
  await row(100_000, 10, false);
  console.log(
    `serialized, worst median of the matrix: registration ${thousands(worst.registration)} rps, handling ${thousands(worst.handling)} rps ` +
      `(the original, measured by the issue's audit on this machine kind, not in this run: 66–90k and 134–192k); load ${load()}`,
  );
}

// ---------------------------------------------------------------- Redis, end to end

async function conveyorRedis(total: number, threadCount: number): Promise<number> {
  threads = threadCount;
  const redis = new Redis(redisUrl);
  const prefix = `bench:sharded:${randomUUID().slice(0, 8)}:`;
  const storage = new RedisStorage(redis, { prefix: `${prefix}s:` });
  const queue = new Queue(storage);
  const lock = new RedisLock(redis, { prefix: `${prefix}l:` });
  const requests = requestsOf(total + 1);
  try {
    const time = await seconds(async () => {
      const handled = handleAll(lock, queue, total, threadCount);
      await queue.registerMany(DummyHandler, requests);
      await handled;
    });
    await assertEmpty(storage, queue);
    return rps(total, time);
  } finally {
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  }
}

// groupmq writes a few keys after close() resolves: they are deleted again at the end.
const groupmqNamespaces: string[] = [];

async function groupmqRedis(total: number, groups: number): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  groupmqNamespaces.push(namespace);
  const queue = new GroupQueue<DummyRequest>({ redis, namespace, jobTimeoutMs: 30_000 });
  let completed = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const worker = new GroupWorker<DummyRequest>({
    queue,
    concurrency: 100,
    handler: async () => {},
  });
  worker.on('completed', () => {
    if (++completed === total) done();
  });
  void worker.run();
  try {
    return rps(
      total,
      await seconds(async () => {
        for (let start = 0; start < total; start += 1000) {
          const adds: Promise<unknown>[] = [];
          for (let n = start; n < Math.min(total, start + 1000); n++) adds.push(queue.add({ groupId: String(n % groups), data: { n } }));
          await Promise.all(adds);
        }
        await finished;
      }),
    );
  } finally {
    await worker.close(1000);
    // groupmq's close() also closes the client it was given.
    await queue.close();
    const admin = new Redis(redisUrl);
    await deleteByPrefix(admin, `groupmq:${namespace}`);
    await admin.quit();
  }
}

async function bullmqRedis(total: number): Promise<number> {
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const queue = new BullQueue(name, { connection });
  let completed = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const worker = new BullWorker(name, async () => {}, { connection, concurrency: 100 });
  worker.on('completed', () => {
    if (++completed === total) done();
  });
  await worker.waitUntilReady();
  try {
    return rps(
      total,
      await seconds(async () => {
        for (let start = 0; start < total; start += 5000) {
          const jobs = [];
          for (let n = start; n < Math.min(total, start + 5000); n++)
            jobs.push({ name: 'job', data: { n }, opts: { removeOnComplete: true } });
          await queue.addBulk(jobs);
        }
        await finished;
      }),
    );
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function redisBench(): Promise<void> {
  console.log(
    `\n== Redis, end to end (register, handle, acknowledge): ${redisSize} requests, ${trials} interleaved rounds; load ${load()} ==`,
  );
  // Warm up the scripts and the JIT.
  await conveyorRedis(5_000, 5);
  for (const threadCount of redisThreadCounts) {
    const ours: number[] = [];
    const groupmq: number[] = [];
    const bullmq: number[] = [];
    for (let round = 0; round < trials; round++) {
      ours.push(await conveyorRedis(redisSize, threadCount));
      groupmq.push(await groupmqRedis(redisSize, threadCount));
      bullmq.push(await bullmqRedis(redisSize));
    }
    console.log(
      `T=${String(threadCount).padStart(2)}  conveyor sharded (${threadCount} workers, batch ${batchSize}) ${cell(ours)} rps | ` +
        `groupmq (${threadCount} groups, concurrency 100) ${cell(groupmq)} jobs/s | BullMQ (addBulk, concurrency 100) ${cell(bullmq)} jobs/s | ` +
        `vs groupmq ${ratios(ours, groupmq)}, vs BullMQ ${ratios(ours, bullmq)} (per round, min/median/max)`,
    );
  }
  console.log(`load ${load()}`);
}

if (only !== 'redis') await memoryBench();
if (only !== 'memory') {
  await redisBench();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const admin = new Redis(redisUrl);
  for (const namespace of groupmqNamespaces) await deleteByPrefix(admin, `groupmq:${namespace}`);
  await admin.quit();
}
