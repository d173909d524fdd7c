// Benchmark of the file queue (@conveyor/file): rows of ~100-byte JSON written by one
// process, then read by 1 and 2 reader processes, three ways: a FileSource under a Consumer
// (inline handler), the bare FileQueueReader (`reader.process(handler)` in a loop, no
// Consumer: what the Consumer costs), and the same rows through a Redis list
// (@conveyor/redis RedisListSource under the same Consumer). With a trivial handler and with
// a CPU-heavy one, whose cost per row is measured in this run and printed first. Sides are
// interleaved round by round; each line prints min / median / max of FILE_BENCH_ROUNDS
// rounds and the ratios are per round; the load average is printed before and after.
//
//   node bench/file-throughput.ts                          # 200,000 rows per run, 3 rounds, a few minutes
//   FILE_BENCH_ROWS=1000000 node bench/file-throughput.ts  # the full benchmark
//
// Other knobs: FILE_BENCH_ROUNDS (default 3), FILE_BENCH_CPU_SPAN (numbers tested for primality
// per row by the CPU-heavy handler, default 400), FILE_BENCH_BATCH (rows per batch file, default
// 1000), FILE_BENCH_BULK (Consumer bulkSize, 100), FILE_BENCH_HANDLERS (which handlers, default
// 'trivial,cpu'), FILE_BENCH_READERS (reader process counts, default '1,2'), REDIS_URL (default
// redis://127.0.0.1:6379).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Consumer, silentLogger } from '@conveyor/core';
import type { Bulk, Source } from '@conveyor/core';
import { FileQueueReader, FileQueueWriter, FileSource } from '@conveyor/file';
import { spread } from './spread.ts';
// The same prime counting as the CPU demo: work that scales with threads.
import { countPrimes } from '../examples/cpu-demo/work.ts';

/** `file`: FileSource + Consumer; `bare`: FileQueueReader alone; `redis`: RedisListSource + Consumer. */
type Backend = 'file' | 'bare' | 'redis';
type HandlerKind = 'trivial' | 'cpu';

interface Row {
  readonly id: number;
  readonly kind: string;
  readonly payload: string;
  readonly at: number;
}

const rows = Number(process.env.FILE_BENCH_ROWS ?? 200_000);
const cpuSpan = Number(process.env.FILE_BENCH_CPU_SPAN ?? 400);
const rounds = Number(process.env.FILE_BENCH_ROUNDS ?? 3);
const rowsPerBatch = Number(process.env.FILE_BENCH_BATCH ?? 1000);
const bulkSize = Number(process.env.FILE_BENCH_BULK ?? 100);
const handlerKinds = (process.env.FILE_BENCH_HANDLERS ?? 'trivial,cpu').split(',') as HandlerKind[];
const readerCounts = (process.env.FILE_BENCH_READERS ?? '1,2').split(',').map(Number);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const self = fileURLToPath(import.meta.url);

function makeRow(id: number): Row {
  return { id, kind: 'bench-row', payload: 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuv', at: 1_732_700_000_000 + id };
}

/**
 * The CPU-heavy handler's work: count primes by trial division in a span of `cpuSpan`
 * numbers (as the cpu demo does). Pure JavaScript, so it scales with processes, and
 * the cost does not depend on the row count (the offset cycles over 1,000 values).
 */
function cpuWork(id: number): number {
  return countPrimes(100_000 + (id % 1000) * 7, cpuSpan);
}

// ---------------------------------------------------------------- child roles

/** Writer process: writes every row, reports rows/s. */
async function writerRole(backend: Backend, target: string): Promise<void> {
  const started = performance.now();
  if (backend !== 'redis') {
    const writer = new FileQueueWriter<Row>({
      directory: target,
      maxRowsPerBatch: rowsPerBatch,
      maxAvailFiles: Number.POSITIVE_INFINITY,
      logger: silentLogger,
    });
    for (let id = 0; id < rows; id++) void writer.add(makeRow(id));
    writer.close();
  } else {
    const redis = new Redis(redisUrl);
    const chunk: string[] = [];
    const pending: Promise<unknown>[] = [];
    for (let id = 0; id < rows; id++) {
      chunk.push(JSON.stringify(makeRow(id)));
      if (chunk.length === 1000 || id === rows - 1) {
        pending.push(redis.rpush(target, ...chunk.splice(0)));
        if (pending.length >= 16) await Promise.all(pending.splice(0));
      }
    }
    await Promise.all(pending);
    redis.disconnect();
  }
  process.send?.({ type: 'written', seconds: (performance.now() - started) / 1000 });
}

/**
 * Fallback when @conveyor/redis is not built: the cheapest way to read a Redis list
 * (LPOP <count>, at-most-once, no processing set), an upper bound for any Redis source.
 */
class LpopListSource implements Source<{ body: string }> {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async get(_signal: AbortSignal, hint: { maxMessages: number }): Promise<Array<{ body: string }>> {
    const items = await this.#redis.lpop(this.#key, Math.min(hint.maxMessages, 1000));
    return items === null ? [] : items.map((body) => ({ body }));
  }
}

/** The Redis source of @conveyor/redis (at least once, like the file queue), or the LPOP fallback. */
async function redisSource(redis: Redis, key: string): Promise<{ source: Source<{ body: string }>; name: string }> {
  try {
    const { RedisListSource } = (await import('@conveyor/redis')) as {
      RedisListSource?: new (redis: Redis, options: { key: string; waitTime: number }) => Source<{ body: string }>;
    };
    if (typeof RedisListSource === 'function')
      return { source: new RedisListSource(redis, { key, waitTime: 20 }), name: '@conveyor/redis RedisListSource' };
  } catch {
    // not built: fall back
  }
  return { source: new LpopListSource(redis, key), name: 'LPOP <count> (at-most-once fallback)' };
}

/** Reader process: a Consumer (inline handler, one core) on the backend; reports when the queue is empty. */
/** What a reader's handler saw: counted to check every row arrived exactly once. */
const handled = { consumed: 0, idSum: 0, sink: 0 };

async function readerRole(backend: Backend, target: string, handlerKind: HandlerKind): Promise<void> {
  const handler = (bulk: Bulk<{ body: Row | string }>): void => {
    for (const message of bulk) {
      // The file source parses each row's JSON; a Redis message is JSON text: same work.
      const row = typeof message.body === 'string' ? (JSON.parse(message.body) as Row) : message.body;
      handled.consumed++;
      handled.idSum += row.id;
      if (handlerKind === 'cpu') handled.sink ^= cpuWork(row.id);
    }
  };
  if (backend === 'bare') return bareReaderRole(target, handler);
  const redis = backend === 'redis' ? new Redis(redisUrl) : undefined;
  const fileSource =
    backend === 'file' ? new FileSource<Row>({ directory: target, waitTime: 20, pollInterval: 5, logger: silentLogger }) : undefined;
  const redisChoice = redis === undefined ? undefined : await redisSource(redis, target);
  const source = (fileSource ?? redisChoice?.source) as Source<{ body: Row | string }>;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    executor: 'inline',
    handler,
    maxPollers: 1,
    maxHandlers: 1,
    bulkSize,
    maxPollBackoff: 20,
  });
  const isDrained = async (): Promise<boolean> => {
    if (consumer.stats.inFlight > 0) return false;
    if (fileSource !== undefined)
      return fileSource.reader.claimed === 0 && !readdirSync(target).some((name) => name.startsWith('avail_') || name.startsWith('retry_'));
    return (await (redis as Redis).llen(target)) === 0;
  };
  process.send?.({ type: 'ready', source: redisChoice?.name });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const cpuAtStart = process.cpuUsage();
  await consumer.start();
  while (!(await isDrained())) await new Promise((resolve) => setTimeout(resolve, 5));
  const endedAt = performance.timeOrigin + performance.now();
  const cpu = process.cpuUsage(cpuAtStart);
  await consumer.shutdown();
  redis?.disconnect();
  reportDone(endedAt, cpu);
}

/** Tells the parent this reader is done: what its handler saw, when it ended, the CPU it spent. */
function reportDone(endedAt: number, cpu: NodeJS.CpuUsage): void {
  process.send?.({
    type: 'done',
    consumed: handled.consumed,
    idSum: handled.idSum,
    endedAt,
    cpuMicros: cpu.user + cpu.system,
    sink: handled.sink,
  });
}

/** Reader process without a Consumer: the bare FileQueueReader's own loop, for what the Consumer costs. */
async function bareReaderRole(directory: string, handler: (bulk: Bulk<{ body: Row }>) => void): Promise<void> {
  const reader = new FileQueueReader<Row>({ directory, logger: silentLogger });
  const isDrained = (): boolean =>
    reader.claimed === 0 && !readdirSync(directory).some((name) => name.startsWith('avail_') || name.startsWith('retry_'));
  process.send?.({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const cpuAtStart = process.cpuUsage();
  for (;;) {
    if ((await reader.process(handler)) !== undefined) continue;
    if (isDrained()) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const endedAt = performance.timeOrigin + performance.now();
  const cpu = process.cpuUsage(cpuAtStart);
  reader.close();
  reportDone(endedAt, cpu);
}

// ---------------------------------------------------------------- orchestration

interface ChildMessage {
  readonly type: 'written' | 'ready' | 'done';
  readonly seconds?: number;
  readonly consumed?: number;
  readonly idSum?: number;
  readonly endedAt?: number;
  readonly cpuMicros?: number;
  readonly source?: string;
}

function spawnRole(args: string[]): { child: ChildProcess; next: (type: ChildMessage['type']) => Promise<ChildMessage> } {
  const child = fork(self, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: ChildMessage[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (message) => {
    inbox.push(message as ChildMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async next(type) {
      for (;;) {
        const index = inbox.findIndex((message) => message.type === type);
        if (index >= 0) return inbox.splice(index, 1)[0] as ChildMessage;
        if (child.exitCode !== null) throw new Error(`bench child ${args.join(' ')} exited with ${child.exitCode} before '${type}'`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited]);
      }
    },
  };
}

let redisSourceName = '';

interface RunResult {
  readonly writeRate: number;
  readonly readRate: number;
  /** CPU time the reader processes spent per row, all readers together: independent of how busy the machine is. */
  readonly cpuMicrosPerRow: number;
}

async function run(backend: Backend, handlerKind: HandlerKind, readers: number): Promise<RunResult> {
  const directory = backend !== 'redis' ? mkdtempSync(join(tmpdir(), 'conveyor-file-bench-')) : undefined;
  const key = `conveyor:bench:file-throughput:${process.pid}:${Date.now()}`;
  const target = directory ?? key;
  const cleanupRedis = async (): Promise<void> => {
    if (backend !== 'redis') return;
    const redis = new Redis(redisUrl);
    const { redisListKeys } = await import('@conveyor/redis');
    await redis.unlink(...(Object.values(redisListKeys(key)) as string[]));
    redis.disconnect();
  };
  try {
    const writer = spawnRole(['--role=writer', backend, target]);
    const written = await writer.next('written');
    const children = Array.from({ length: readers }, () => spawnRole(['--role=reader', backend, target, handlerKind]));
    const ready = await Promise.all(children.map((reader) => reader.next('ready')));
    if (ready[0]?.source !== undefined) redisSourceName = ready[0].source;
    const startedAt = performance.timeOrigin + performance.now();
    for (const reader of children) reader.child.send('go');
    const reports = await Promise.all(children.map((reader) => reader.next('done')));
    const endedAt = Math.max(...reports.map((report) => report.endedAt ?? 0));
    const consumed = reports.reduce((sum, report) => sum + (report.consumed ?? 0), 0);
    const idSum = reports.reduce((sum, report) => sum + (report.idSum ?? 0), 0);
    if (consumed !== rows || idSum !== (rows * (rows - 1)) / 2) {
      throw new Error(
        `${backend}/${handlerKind}/${readers}: consumed ${consumed} rows (id sum ${idSum}), expected each of ${rows} exactly once`,
      );
    }
    const cpuMicros = reports.reduce((sum, report) => sum + (report.cpuMicros ?? 0), 0);
    return {
      writeRate: rows / (written.seconds as number),
      readRate: rows / ((endedAt - startedAt) / 1000),
      cpuMicrosPerRow: cpuMicros / rows,
    };
  } finally {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    await cleanupRedis();
  }
}

async function main(): Promise<void> {
  // Measured the way the readers call it: from a handler, over a bulk.
  let probeSink = 0;
  const probeHandler = (ids: readonly number[]): void => {
    for (const id of ids) probeSink ^= cpuWork(id);
  };
  const ids = Array.from({ length: 4000 }, (_, id) => id);
  probeHandler(ids.slice(0, 1000));
  const probe = performance.now();
  for (let start = 0; start < ids.length; start += 100) probeHandler(ids.slice(start, start + 100));
  const cpuMicros = ((performance.now() - probe) / ids.length) * 1000 + probeSink * 0;
  console.log(
    `file queue benchmark: ${rows.toLocaleString('en-US')} rows of ~${JSON.stringify(makeRow(rows)).length}-byte JSON per run, ` +
      `${rowsPerBatch} rows per batch file, Consumer bulkSize ${bulkSize}, CPU-heavy handler ≈ ${cpuMicros.toFixed(0)} µs/row`,
  );
  console.log(
    'each run: 1 writer process writes every row, then 1 or 2 reader processes (FileSource under a Consumer, the bare FileQueueReader, or a Redis list under a Consumer; inline) read them all\n',
  );
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  console.log(`machine: ${availableParallelism()} cores, load average ${load()} (other processes slow the readers down)\n`);
  const backends = ['file', 'bare', 'redis'] as const;
  const results = new Map<string, RunResult[]>();
  const label = (backend: Backend, handlerKind: HandlerKind, readers: number): string => `${handlerKind}/${backend}/${readers}`;
  for (const handlerKind of handlerKinds) {
    for (let round = 0; round < rounds; round++) {
      for (const readers of readerCounts) {
        for (const backend of backends) {
          const key = label(backend, handlerKind, readers);
          results.set(key, [...(results.get(key) ?? []), await run(backend, handlerKind, readers)]);
        }
      }
    }
  }
  const of = (backend: Backend, handlerKind: HandlerKind, readers: number): RunResult[] =>
    results.get(label(backend, handlerKind, readers)) ?? [];
  const count = (value: number): string => Math.round(value).toLocaleString('en-US');
  const ratio = (top: RunResult[], bottom: RunResult[]): string =>
    spread(
      top.map((result, index) => result.readRate / (bottom[index] as RunResult).readRate),
      (value) => `${value.toFixed(2)}×`,
    );
  console.log('handler  side                  readers  write rows/s (min/median/max)  read rows/s (min/median/max)  reader CPU µs/row');
  const sideName = { file: 'FileSource + Consumer', bare: 'bare FileQueueReader ', redis: 'Redis list + Consumer' };
  for (const handlerKind of handlerKinds) {
    for (const readers of readerCounts) {
      for (const backend of backends) {
        const runs = of(backend, handlerKind, readers);
        console.log(
          `${handlerKind.padEnd(8)} ${sideName[backend]} ${String(readers).padStart(7)}  ${spread(
            runs.map((result) => result.writeRate),
            count,
          ).padStart(29)}  ${spread(
            runs.map((result) => result.readRate),
            count,
          ).padStart(28)}  ${spread(
            runs.map((result) => result.cpuMicrosPerRow),
            (value) => value.toFixed(1),
          ).padStart(17)}`,
        );
      }
    }
  }
  console.log('\nratios of read rates, per round (min/median/max):');
  for (const handlerKind of handlerKinds) {
    for (const readers of readerCounts) {
      console.log(
        `  ${handlerKind.padEnd(8)} ${readers} reader(s): Consumer / bare reader ${ratio(of('file', handlerKind, readers), of('bare', handlerKind, readers))}` +
          `, file / Redis list ${ratio(of('file', handlerKind, readers), of('redis', handlerKind, readers))}`,
      );
    }
    if (readerCounts.includes(1) && readerCounts.includes(2))
      console.log(
        `  ${handlerKind.padEnd(8)} scaling 2 readers / 1 reader: Consumer ${ratio(of('file', handlerKind, 2), of('file', handlerKind, 1))}` +
          `, bare ${ratio(of('bare', handlerKind, 2), of('bare', handlerKind, 1))}, Redis ${ratio(of('redis', handlerKind, 2), of('redis', handlerKind, 1))}`,
      );
  }
  console.log(`\nRedis source used: ${redisSourceName}`);
  console.log(`load average at the end: ${load()}`);
}

const role = process.argv.find((arg) => arg.startsWith('--role='))?.slice('--role='.length);
const [, , , backendArg, targetArg, handlerArg] = process.argv;
if (role === 'writer') await writerRole(backendArg as Backend, targetArg as string);
else if (role === 'reader') await readerRole(backendArg as Backend, targetArg as string, handlerArg as HandlerKind);
else await main();
