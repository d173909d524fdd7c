// Benchmark of the Redis list source (@conveyor/redis RedisListSource) against a
// hand-written reliable loop, on the same Redis, with the same ~110-byte messages, in
// the same run, interleaved:
//
// (a) hand-written: one Lua script pops up to 512 bodies (LPOP count) and puts them in a
//     processing sorted set with a deadline (member = the body); the loop "handles" them
//     inline and acknowledges each batch with one Lua call (ZREM of the bodies), the ack
//     pipelined with the next pop. What the issue measured at 185–226k msg/s.
// (b) RedisListSource + Consumer: messages sent with source.send() (ids in the list,
//     bodies once in a hash), a trivial handler (bench/redis-bench-load.ts) on 2 pool
//     threads through `handlerModule`, cleanups in one script call a batch.
// (d) BullMQ, as its users run it: jobs added with addBulk (removeOnComplete), a Worker with a
//     no-op processor and concurrency 100; timed from the worker's start to the last completion.
// (e) groupmq, as its users run it: jobs in 100 groups, a Worker with a no-op handler and
//     concurrency 100. The peers drain REDIS_BENCH_PEER_MESSAGES (default 20,000) a round: they
//     are 10-50x slower, and a rate is a rate.
// (c) the same as (b) with `pollerThreads: true`: each poller runs its own RedisListSource on a
//     thread of its own (bench/workers/redis-list-source.js), so the main thread never
//     touches a message; what the option costs or gains on this machine.
//
// Each side drains REDIS_BENCH_MESSAGES (default 100,000) in each of REDIS_BENCH_ROUNDS
// (default 3) rounds; the order of the sides alternates. Printed: each round, min / median /
// max msg/s of each side, min / median / max of the per-round ratios to (a) (the issue's
// target for (b): ≥ 0.8), the CPU the
// Redis server spent per message on each side, and the load average before and after
// (other processes on a 2-core machine move both sides).
//
// Both sides use one redis-server the benchmark starts on a free port (no persistence), so
// that other clients of a shared Redis do not move the figures; REDIS_URL=redis://host:port
// uses that server instead (and the Redis CPU is not shown).
//
//   node bench/redis-list-throughput.ts
//   REDIS_BENCH_MESSAGES=20000 REDIS_BENCH_ROUNDS=1 node bench/redis-list-throughput.ts   # a quick look
//
// Other knobs: REDIS_BENCH_BULK (Consumer bulkSize, default 128), REDIS_BENCH_POLLERS
// (Consumer pollers, default 2), REDIS_BENCH_THREADS (pool threads, default 2),
// REDIS_BENCH_IN_FLIGHT (Consumer maxInFlight, default the Consumer's), REDIS_BENCH_SIDES
// (any of 'a' to 'e'; default 'abcde'), REDIS_BENCH_WARM (messages of each side's warm-up drain,
// default REDIS_BENCH_MESSAGES).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { Consumer, ConsumerOptions, Logger } from '@conveyor/core';
import type { RedisListMessage } from '@conveyor/redis';
import type { Redis } from 'ioredis';
import { spread } from './spread.ts';
import { benchHandlerModule, body } from './redis-bench-load.ts';

const messages = Number(process.env.REDIS_BENCH_MESSAGES ?? 100_000);
const rounds = Number(process.env.REDIS_BENCH_ROUNDS ?? 3);
const bulkSize = Number(process.env.REDIS_BENCH_BULK ?? 128);
const pollers = Number(process.env.REDIS_BENCH_POLLERS ?? 2);
const threads = Number(process.env.REDIS_BENCH_THREADS ?? 2);
const maxInFlight = process.env.REDIS_BENCH_IN_FLIGHT === undefined ? undefined : Number(process.env.REDIS_BENCH_IN_FLIGHT);
const sides = process.env.REDIS_BENCH_SIDES ?? 'abcde';
const peerMessages = Number(process.env.REDIS_BENCH_PEER_MESSAGES ?? 20_000);
const givenRedisUrl = process.env.REDIS_URL;
const batch = 512;
/** get() calls that returned messages and cleanup() calls of side (b), for the averages printed. */
const calls = { gets: 0, cleanups: 0 };
const self = fileURLToPath(import.meta.url);

// The hand-written loop's two scripts.
const popScript = `
local items = redis.call('LPOP', KEYS[1], ARGV[1])
if not items then return {} end
local deadline = tonumber(ARGV[2])
local members = {}
for i, item in ipairs(items) do
  members[#members + 1] = deadline
  members[#members + 1] = item
end
for i = 1, #members, 4000 do
  redis.call('ZADD', KEYS[2], unpack(members, i, math.min(i + 3999, #members)))
end
return items`;
const ackScript = `
for i = 1, #ARGV, 4000 do
  redis.call('ZREM', KEYS[1], unpack(ARGV, i, math.min(i + 3999, #ARGV)))
end
return #ARGV`;

/** Seconds the hand-written loop takes to drain `count` raw bodies from `key`. */
async function drainByHand(redis: Redis, key: string, count: number): Promise<number> {
  const processing = `${key}:processing`;
  const [popSha, ackSha] = (await Promise.all([redis.script('LOAD', popScript), redis.script('LOAD', ackScript)])) as [string, string];
  let handled = 0;
  let length = 0;
  let pendingAck: Promise<unknown> = Promise.resolve();
  const started = performance.now();
  for (;;) {
    const bodies = (await redis.evalsha(popSha, 2, key, processing, batch, Date.now() + 30_000)) as string[];
    if (bodies.length === 0) break;
    for (const item of bodies) length += item.length;
    handled += bodies.length;
    // Pipelined with the next pop; at most one ack outstanding.
    await pendingAck;
    pendingAck = redis.evalsha(ackSha, 1, processing, ...bodies);
  }
  await pendingAck;
  const seconds = (performance.now() - started) / 1000;
  if (handled !== count || length <= 0) throw new Error(`hand-written loop handled ${handled} of ${count}`);
  if ((await redis.zcard(processing)) !== 0) throw new Error('hand-written loop left messages in processing');
  await redis.unlink(key, processing);
  return seconds;
}

/** Seconds RedisListSource + Consumer (pool threads) take to consume and clean up `count` messages, and the CPU this process spent meanwhile. */
async function drainWithConveyor(redis: Redis, key: string, count: number): Promise<{ seconds: number; cpuMs: number }> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const { RedisListSource } = await import('@conveyor/redis');
  let cleaned = 0;
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  // Counts acknowledgements as they complete, so the clock stops when the queue is really empty.
  class CountingSource extends RedisListSource {
    override async get(signal: AbortSignal, hint?: { maxMessages: number }): Promise<RedisListMessage[]> {
      const messages = await super.get(signal, hint);
      if (messages.length > 0) calls.gets++;
      return messages;
    }

    override async cleanup(consumed: RedisListMessage[]): Promise<void> {
      calls.cleanups++;
      await super.cleanup(consumed);
      cleaned += consumed.length;
      if (cleaned >= count) done();
    }
  }
  const source = new CountingSource(redis, { key, waitTime: 20, logger: silentLogger });
  const timed = await timeFromStart(new Consumer(source, consumerOptions(silentLogger)), () => drained);
  const depth = await source.inspect();
  if (cleaned !== count || depth.waiting !== 0 || depth.inFlight !== 0) {
    throw new Error(`RedisListSource: cleaned ${cleaned} of ${count}, left ${JSON.stringify(depth)}`);
  }
  await source.clear();
  return timed;
}

/** The options both Consumer sides share. */
function consumerOptions(logger: Logger): ConsumerOptions<RedisListMessage> {
  return {
    handlerModule: benchHandlerModule,
    maxHandlers: threads,
    maxPollers: pollers,
    bulkSize,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    logger,
  };
}

/** Starts `consumer`, times it from then until `finished()` resolves (wall and this process's CPU), and shuts it down. */
async function timeFromStart(
  consumer: Consumer<RedisListMessage>,
  finished: () => Promise<unknown>,
): Promise<{ seconds: number; cpuMs: number }> {
  await consumer.start();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await finished();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await consumer.shutdown();
  return { seconds, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Side (c): the same Consumer with pollerThreads, each poller thread with its own source and client. */
async function drainWithPollerThreads(url: string, key: string, count: number): Promise<{ seconds: number; cpuMs: number }> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const consumer = new Consumer<RedisListMessage>(
    { module: new URL('./workers/redis-list-source.js', import.meta.url), options: { url, key } },
    { ...consumerOptions(silentLogger), pollerThreads: true },
  );
  // Sources live in the poller threads: the consumer's own count says when all were consumed.
  return timeFromStart(consumer, async () => {
    while (consumer.stats.consumed < count) await new Promise((resolve) => setTimeout(resolve, 2));
  });
}

/** Side (d): BullMQ, filled with addBulk, drained by a Worker (concurrency 100); seconds from the worker's start. */
async function drainWithBullmq(url: string, name: string, count: number): Promise<number> {
  const { Queue, Worker } = await import('bullmq');
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  for (let start = 0; start < count; start += 5000) {
    const jobs = [];
    for (let n = start; n < Math.min(count, start + 5000); n++) jobs.push({ name: 'job', data: body(n), opts: { removeOnComplete: true } });
    await queue.addBulk(jobs);
  }
  let completed = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  const worker = new Worker(name, async () => {}, { connection, concurrency: 100 });
  worker.on('completed', () => {
    if (++completed === count) done();
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return seconds;
}

/** Side (e): groupmq, jobs in 100 groups, drained by a Worker (concurrency 100); seconds from the worker's start. */
async function drainWithGroupmq(url: string, namespace: string, count: number): Promise<number> {
  const { Redis } = await import('ioredis');
  const { Queue, Worker } = await import('groupmq');
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue<string>({ redis, namespace, jobTimeoutMs: 30_000 });
  for (let start = 0; start < count; start += 1000) {
    const adds: Promise<unknown>[] = [];
    for (let n = start; n < Math.min(count, start + 1000); n++) adds.push(queue.add({ groupId: String(n % 100), data: body(n) }));
    await Promise.all(adds);
  }
  let completed = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const worker = new Worker<string>({ queue, concurrency: 100, handler: async () => {} });
  worker.on('completed', () => {
    if (++completed === count) done();
  });
  const started = performance.now();
  void worker.run();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await worker.close(1000);
  await queue.close();
  const admin = new Redis(url);
  const stale = await admin.keys(`groupmq:${namespace}*`);
  if (stale.length > 0) await admin.unlink(...stale);
  admin.disconnect();
  return seconds;
}

async function fillRaw(redis: Redis, key: string, count: number): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < count; start += 1000) {
    pending.push(redis.rpush(key, ...Array.from({ length: Math.min(1000, count - start) }, (_, offset) => body(start + offset))));
  }
  await Promise.all(pending);
}

async function fillThroughSource(redis: Redis, key: string, count: number): Promise<void> {
  const { RedisListSource } = await import('@conveyor/redis');
  const source = new RedisListSource(redis, { key });
  // In chunks: a spread of hundreds of thousands of arguments overflows the stack.
  for (let start = 0; start < count; start += 10_000) {
    await source.send(...Array.from({ length: Math.min(10_000, count - start) }, (_, index) => body(start + index)));
  }
}

function stats(rates: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...rates].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { min: sorted[0] ?? Number.NaN, median, max: sorted.at(-1) ?? Number.NaN };
}

const format = (rate: number): string => `${Math.round(rate).toLocaleString('en-US')}`.padStart(9);
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** A redis-server of the benchmark's own, on a free port, and a reader of its CPU time. */
async function ownRedisServer(): Promise<{ url: string; cpuMs: () => number; stop: () => void }> {
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const { Redis } = await import('ioredis');
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until the server listens
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      probe.disconnect();
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  probe.disconnect();
  return {
    url: `redis://127.0.0.1:${port}`,
    // utime + stime of the server process, in clock ticks of 10 ms.
    cpuMs: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    stop: () => void child.kill(),
  };
}

async function main(): Promise<void> {
  const { Redis } = await import('ioredis');
  const own = givenRedisUrl === undefined ? await ownRedisServer() : undefined;
  const redisUrl = givenRedisUrl ?? (own as { url: string }).url;
  const redis = new Redis(redisUrl);
  const redisCpu = { a: 0, b: 0, c: 0 };
  const nodeCpu = { a: 0, b: 0, c: 0 };
  const processCpuMs = (): number => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const base = `conveyor:bench:redis-list:${process.pid}:${Date.now()}`;
  console.log(
    `Redis list: ${messages.toLocaleString('en-US')} messages of ${body(messages).length} bytes per drain, ${rounds} rounds, ` +
      `${availableParallelism()} cores, ${own === undefined ? redisUrl : `its own redis-server (${redisUrl})`}`,
  );
  console.log(`load average at the start: ${load()}`);
  // Warm-up (not counted): JIT, scripts, pool threads, Redis memory. A full drain of each side: with 5,000
  // messages, the first counted round of the Consumer still ran about a third slower than the others.
  const warm = Number(process.env.REDIS_BENCH_WARM ?? messages);
  if (sides.includes('a')) {
    await fillRaw(redis, `${base}:warm-a`, warm);
    await drainByHand(redis, `${base}:warm-a`, warm);
  }
  if (sides.includes('b')) {
    await fillThroughSource(redis, `${base}:warm-b`, warm);
    await drainWithConveyor(redis, `${base}:warm-b`, warm);
    calls.gets = 0;
    calls.cleanups = 0;
  }
  if (sides.includes('c')) {
    await fillThroughSource(redis, `${base}:warm-c`, warm);
    await drainWithPollerThreads(redisUrl, `${base}:warm-c`, warm);
  }
  if (sides.includes('d')) await drainWithBullmq(redisUrl, `bench-warm-bullmq-${process.pid}`, 1000);
  if (sides.includes('e')) await drainWithGroupmq(redisUrl, `bench-warm-groupmq-${process.pid}`, 1000);
  const byHand: number[] = [];
  const conveyor: number[] = [];
  const threaded: number[] = [];
  const bullmq: number[] = [];
  const groupmq: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? ['a', 'b', 'c', 'd', 'e'] : ['e', 'd', 'c', 'b', 'a'];
    const line: string[] = [];
    for (const side of order) {
      if (!sides.includes(side)) continue;
      const key = `${base}:${side}:${round}`;
      if (side === 'a') {
        await fillRaw(redis, key, messages);
        const cpuBefore = own?.cpuMs() ?? 0;
        const nodeBefore = processCpuMs();
        byHand.push(messages / (await drainByHand(redis, key, messages)));
        nodeCpu.a += processCpuMs() - nodeBefore;
        redisCpu.a += (own?.cpuMs() ?? 0) - cpuBefore;
        line.push(`hand-written ${format(byHand.at(-1) as number)} msg/s`);
      } else if (side === 'd') {
        bullmq.push(peerMessages / (await drainWithBullmq(redisUrl, `bench-bullmq-${process.pid}-${round}`, peerMessages)));
        line.push(`BullMQ ${format(bullmq.at(-1) as number)} jobs/s`);
      } else if (side === 'e') {
        groupmq.push(peerMessages / (await drainWithGroupmq(redisUrl, `bench-groupmq-${process.pid}-${round}`, peerMessages)));
        line.push(`groupmq ${format(groupmq.at(-1) as number)} jobs/s`);
      } else if (side === 'c') {
        await fillThroughSource(redis, key, messages);
        const cpuBefore = own?.cpuMs() ?? 0;
        const drained = await drainWithPollerThreads(redisUrl, key, messages);
        threaded.push(messages / drained.seconds);
        nodeCpu.c += drained.cpuMs;
        redisCpu.c += (own?.cpuMs() ?? 0) - cpuBefore;
        line.push(`pollerThreads ${format(threaded.at(-1) as number)} msg/s`);
      } else {
        await fillThroughSource(redis, key, messages);
        const cpuBefore = own?.cpuMs() ?? 0;
        const drained = await drainWithConveyor(redis, key, messages);
        conveyor.push(messages / drained.seconds);
        nodeCpu.b += drained.cpuMs;
        redisCpu.b += (own?.cpuMs() ?? 0) - cpuBefore;
        line.push(`RedisListSource + Consumer ${format(conveyor.at(-1) as number)} msg/s`);
      }
    }
    console.log(`  round ${round}: ${line.join(', ')}   (load ${load()})`);
  }
  const hand = stats(byHand);
  const ours = stats(conveyor);
  console.log('                                                         min     median        max  msg/s');
  if (byHand.length > 0)
    console.log(`  (a) hand-written Lua pop + batched Lua ack     ${format(hand.min)}  ${format(hand.median)}  ${format(hand.max)}`);
  if (conveyor.length > 0) {
    console.log(
      `  (b) RedisListSource + Consumer, ${threads} pool threads ${format(ours.min)}  ${format(ours.median)}  ${format(ours.max)}` +
        `   (bulkSize ${bulkSize}, ${pollers} pollers)`,
    );
  }
  if (threaded.length > 0) {
    const third = stats(threaded);
    console.log(`  (c) the same, pollerThreads: true            ${format(third.min)}  ${format(third.median)}  ${format(third.max)}`);
  }
  for (const [label, rates] of [
    ['(d) BullMQ, concurrency 100                   ', bullmq],
    ['(e) groupmq, 100 groups, concurrency 100      ', groupmq],
  ] as const) {
    if (rates.length === 0) continue;
    const peer = stats(rates);
    console.log(`  ${label} ${format(peer.min)}  ${format(peer.median)}  ${format(peer.max)}`);
  }
  const ratios = (top: number[], bottom: number[]): string =>
    spread(
      top.map((value, index) => value / (bottom[index] as number)),
      (value) => value.toFixed(2),
    );
  if (byHand.length > 0 && conveyor.length > 0)
    console.log(`  (b) / (a), per round, min/median/max: ${ratios(conveyor, byHand)}; target ≥ 0.8`);
  if (threaded.length > 0 && conveyor.length > 0) console.log(`  (c) / (b), per round, min/median/max: ${ratios(threaded, conveyor)}`);
  if (bullmq.length > 0 && conveyor.length > 0)
    console.log(`  (b) / (d) BullMQ, per round, min/median/max: ${ratios(conveyor, bullmq)}; target ≥ 20`);
  if (groupmq.length > 0 && conveyor.length > 0)
    console.log(`  (b) / (e) groupmq, per round, min/median/max: ${ratios(conveyor, groupmq)}; target ≥ 20`);
  const perMessage = (ms: number, count: number): string => (count === 0 ? '-' : `${((ms * 1000) / (count * messages)).toFixed(1)} µs`);
  console.log(
    `  CPU per message: Node (every thread of this process) (a) ${perMessage(nodeCpu.a, byHand.length)}, (b) ${perMessage(nodeCpu.b, conveyor.length)}, (c) ${perMessage(nodeCpu.c, threaded.length)}` +
      (own === undefined
        ? ''
        : `; Redis server (a) ${perMessage(redisCpu.a, byHand.length)}, (b) ${perMessage(redisCpu.b, conveyor.length)}, (c) ${perMessage(redisCpu.c, threaded.length)}`),
  );
  if (conveyor.length > 0) {
    const total = messages * conveyor.length;
    console.log(
      `  (b) messages per get(): ${(total / calls.gets).toFixed(0)}, per cleanup(): ${(total / calls.cleanups).toFixed(0)} (warm-up included in neither)`,
    );
  }
  console.log(`load average at the end: ${load()}`);
  redis.disconnect();
  own?.stop();
}

if (isMainThread && process.argv[1] === self) await main();
