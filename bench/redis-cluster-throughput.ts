// The same end-to-end load on one Redis and on a 3-master Redis Cluster: messages
// sent through the list source, then drained by a Consumer with a trivial handler on
// pool threads. Sides (REDIS_BENCH_SIDES, default 'abc'):
//
// (a) RedisListSource on one redis-server (one list);
// (b) RedisPartitionedListSource, REDIS_BENCH_PARTITIONS (default 3) partitions, on the
//     same single redis-server: what partitioning costs by itself;
// (c) RedisPartitionedListSource, the same partitions, on a Redis Cluster of 3 masters
//     (REDIS_BENCH_REPLICAS=1 adds one replica each) started by the benchmark.
//
// Printed per side and round: msg/s of the drain; then, per Redis node, the commands
// it ran (INFO commandstats: calls and the µs Redis spent in them), its CPU time from
// /proc, and the µs of Redis CPU per message, so the spread of the load over the masters
// shows; and what N machines would do on paper: one master's measured cost per message
// bounds what it serves, and the partitions spread the messages evenly over the masters.
// On one 2-core machine every node and the Node process share the same 2 cores: the
// cluster cannot be faster here, only show how the work divides.
//
//   node bench/redis-cluster-throughput.ts
//   REDIS_BENCH_MESSAGES=2000 REDIS_BENCH_ROUNDS=1 node bench/redis-cluster-throughput.ts   # a quick look
//
// Other knobs: REDIS_BENCH_BULK (Consumer bulkSize, default 128), REDIS_BENCH_POLLERS
// (default 3), REDIS_BENCH_THREADS (pool threads, default 2).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { RedisListMessage } from '@conveyor/redis';
import type { Cluster, Redis } from 'ioredis';
import { benchHandlerModule, body } from './redis-bench-load.ts';

const messages = Number(process.env.REDIS_BENCH_MESSAGES ?? 100_000);
const rounds = Number(process.env.REDIS_BENCH_ROUNDS ?? 3);
const bulkSize = Number(process.env.REDIS_BENCH_BULK ?? 128);
const pollers = Number(process.env.REDIS_BENCH_POLLERS ?? 3);
const threads = Number(process.env.REDIS_BENCH_THREADS ?? 2);
const partitions = Number(process.env.REDIS_BENCH_PARTITIONS ?? 3);
const replicas = process.env.REDIS_BENCH_REPLICAS === '1' ? 1 : 0;
const sides = process.env.REDIS_BENCH_SIDES ?? 'abc';
const self = fileURLToPath(import.meta.url);

/** A Redis node the benchmark started: its port and pid. */
interface Node {
  readonly port: number;
  readonly pid: number;
}

/** CPU ms of a process (utime + stime, clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Calls and µs per command of a node (INFO commandstats). */
async function commandStats(port: number): Promise<Map<string, { calls: number; usec: number }>> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(port, '127.0.0.1');
  try {
    const text = await redis.info('commandstats');
    const stats = new Map<string, { calls: number; usec: number }>();
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      stats.set(match[1] as string, { calls: Number(match[2]), usec: Number(match[3]) });
    }
    return stats;
  } finally {
    redis.disconnect();
  }
}

/** What each node did between two snapshots. */
async function snapshot(
  nodes: readonly Node[],
): Promise<Map<number, { cpuMs: number; stats: Map<string, { calls: number; usec: number }> }>> {
  const taken = new Map<number, { cpuMs: number; stats: Map<string, { calls: number; usec: number }> }>();
  for (const node of nodes) taken.set(node.port, { cpuMs: cpuMsOf(node.pid), stats: await commandStats(node.port) });
  return taken;
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** The ports of the nodes that are masters now. */
async function mastersOf(nodes: readonly Node[]): Promise<number[]> {
  const { Redis } = await import('ioredis');
  const masters: number[] = [];
  for (const node of nodes) {
    const redis = new Redis(node.port, '127.0.0.1');
    if ((await redis.info('replication')).includes('role:master')) masters.push(node.port);
    redis.disconnect();
  }
  return masters;
}

function report(label: string, nodes: readonly Node[], before: Snapshot, after: Snapshot, total: number): number[] {
  console.log(
    `  ${label}: per node (script calls, ms Redis spent in them, process CPU, its CPU µs per message of the whole load, busiest commands)`,
  );
  const perNode: number[] = [];
  for (const node of nodes) {
    const start = before.get(node.port);
    const end = after.get(node.port);
    if (start === undefined || end === undefined) continue;
    let calls = 0;
    let usec = 0;
    const top: [string, number][] = [];
    for (const [command, stat] of end.stats) {
      const was = start.stats.get(command) ?? { calls: 0, usec: 0 };
      const dCalls = stat.calls - was.calls;
      if (dCalls <= 0 || command === 'info') continue;
      // Commands a script runs are counted too (inside the script's own time): count the scripts only.
      if (command === 'evalsha' || command === 'eval') {
        calls += dCalls;
        usec += stat.usec - was.usec;
      }
      top.push([command, dCalls]);
    }
    const cpuMs = end.cpuMs - start.cpuMs;
    perNode.push((cpuMs * 1000) / total);
    console.log(
      `    :${node.port}  ${String(calls).padStart(8)} scripts  ${String(Math.round(usec / 1000)).padStart(6)} ms in scripts  ` +
        `${String(cpuMs).padStart(6)} ms CPU  ${((cpuMs * 1000) / total).toFixed(2).padStart(6)} µs/msg   (` +
        `${top
          .sort((x, y) => y[1] - x[1])
          .slice(0, 6)
          .map(([command, calls]) => `${command} ${calls}`)
          .join(', ')}; most run inside the scripts)`,
    );
  }
  return perNode;
}

/** Sends `count` messages, then drains them with a Consumer; returns msg/s of the drain. */
async function runLoad(client: Redis | Cluster, key: string, partitioned: boolean, count: number): Promise<number> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const { RedisListSource, RedisPartitionedListSource } = await import('@conveyor/redis');
  const options = { key, waitTime: 20, logger: silentLogger };
  const source = partitioned ? new RedisPartitionedListSource(client, { ...options, partitions }) : new RedisListSource(client, options);
  for (let start = 0; start < count; start += 10_000) {
    await source.send(...Array.from({ length: Math.min(10_000, count - start) }, (_, offset) => body(start + offset)));
  }
  let cleaned = 0;
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  const consumer = new Consumer<RedisListMessage>(source, {
    handlerModule: benchHandlerModule,
    maxHandlers: threads,
    maxPollers: pollers,
    bulkSize,
    logger: silentLogger,
  });
  consumer.on('consumed', (consumed) => {
    cleaned += consumed.length;
    if (cleaned >= count) done();
  });
  await consumer.start();
  const started = performance.now();
  await drained;
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  const depth = await source.inspect();
  if (depth.waiting !== 0 || depth.inFlight !== 0) throw new Error(`${key}: left ${JSON.stringify(depth)}`);
  await source.clear();
  return count / seconds;
}

async function ownRedisServer(): Promise<{ node: Node; stop: () => void }> {
  const { freePort } = await import('@conveyor/conformance');
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const { Redis } = await import('ioredis');
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { node: { port, pid: child.pid ?? -1 }, stop: () => void child.kill() };
}

const format = (rate: number): string => `${Math.round(rate).toLocaleString('en-US')}`.padStart(9);
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { Redis } = await import('ioredis');
  const { startOwnRedisCluster } = await import('@conveyor/conformance');
  const single = await ownRedisServer();
  const cluster = sides.includes('c') ? await startOwnRedisCluster({ masters: 3, replicas }) : undefined;
  const singleClient = new Redis(single.node.port, '127.0.0.1');
  const clusterClient = cluster?.connect();
  const clusterNodes: Node[] =
    cluster === undefined ? [] : cluster.seeds.map((seed) => ({ port: seed.port, pid: cluster.pidOf(seed.port) }));
  console.log(
    `Redis list on one Redis and on a Redis Cluster: ${messages.toLocaleString('en-US')} messages of ${body(messages).length} bytes per drain, ` +
      `${rounds} rounds, ${partitions} partitions, ${availableParallelism()} cores, cluster of 3 masters${replicas === 1 ? ' + 3 replicas' : ''}`,
  );
  console.log(`load average at the start: ${load()}`);
  const base = `conveyor-bench-cluster-${process.pid}`;
  // Warm-up (not counted): JIT, scripts on every node, pool threads.
  if (sides.includes('a')) await runLoad(singleClient, `${base}-warm-a`, false, 2000);
  if (sides.includes('b')) await runLoad(singleClient, `${base}-warm-b`, true, 2000);
  if (clusterClient !== undefined) await runLoad(clusterClient, `${base}-warm-c`, true, 2000);
  const rates: Record<string, number[]> = { a: [], b: [], c: [] };
  const before = { single: await snapshot([single.node]), cluster: await snapshot(clusterNodes) };
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const side of ['a', 'b', 'c']) {
      if (!sides.includes(side)) continue;
      const client = side === 'c' ? (clusterClient as Cluster) : singleClient;
      const rate = await runLoad(client, `${base}-${side}-${round}`, side !== 'a', messages);
      rates[side]?.push(rate);
      line.push(`(${side}) ${format(rate)} msg/s`);
    }
    console.log(`  round ${round}: ${line.join('  ')}   (load ${load()})`);
  }
  const after = { single: await snapshot([single.node]), cluster: await snapshot(clusterNodes) };
  const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[values.length >> 1] ?? Number.NaN;
  console.log('  median msg/s:');
  if (sides.includes('a')) console.log(`    (a) RedisListSource, one Redis                          ${format(median(rates.a ?? []))}`);
  if (sides.includes('b'))
    console.log(`    (b) RedisPartitionedListSource, ${partitions} partitions, one Redis   ${format(median(rates.b ?? []))}`);
  if (sides.includes('c'))
    console.log(`    (c) RedisPartitionedListSource, ${partitions} partitions, cluster     ${format(median(rates.c ?? []))}`);
  const singleSides = (sides.includes('a') ? 1 : 0) + (sides.includes('b') ? 1 : 0);
  if (singleSides > 0)
    report(
      `one Redis, sides ${sides.replace('c', '')} together`,
      [single.node],
      before.single,
      after.single,
      messages * rounds * singleSides,
    );
  if (cluster !== undefined) {
    const perNode = report('the cluster, side (c)', clusterNodes, before.cluster, after.cluster, messages * rounds);
    const masters = new Set(await mastersOf(clusterNodes));
    const perMaster = perNode.filter((_, index) => masters.has((clusterNodes[index] as Node).port));
    // On paper: a master serves its share of the messages at its measured CPU cost per message;
    // N masters on N machines each take 1/N of them (partitions spread evenly), so the bound grows
    // with N while the consumers keep up. Replicas cost their own machines, not the masters'.
    const total = perMaster.reduce((sum, value) => sum + value, 0);
    const busiest = Math.max(...perMaster);
    if (total > 0) {
      console.log(
        `  on paper: a message costs the masters ${total.toFixed(2)} µs of Redis CPU in all; one core serves up to ` +
          `${format(1e6 / total)} msg/s, so N masters on N machines ≈ N × that. The busiest master here took ` +
          `${((busiest / total) * 100).toFixed(0)} % of the masters' work (an even spread: ${(100 / perMaster.length).toFixed(0)} %).`,
      );
    }
  }
  console.log(`load average at the end: ${load()}`);
  singleClient.disconnect();
  await clusterClient?.quit();
  single.stop();
  await cluster?.stop();
}

if (isMainThread && process.argv[1] === self) await main();
