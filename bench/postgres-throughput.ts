// Benchmark of the Postgres source (@conveyor/postgres) against pg-boss and against the
// single-loop consumer (claim a batch, handle it inline, delete it, again), on the same
// PostgreSQL in the same run, with two handlers:
//
// - trivial: takes each message, does nothing;
// - CPU-heavy: about 0.2 ms of hashing per message (SHA-256, calibrated at start).
//
// Contenders, each draining its own fresh table (or pg-boss queue) of N messages:
// - Conveyor: PostgresSource + Consumer, 2 pollers, 2 pool threads (handlers on Piscina);
// - single loop: PostgresSource.get() → handler inline → cleanup(), one at a time (the
//   consumer people write by hand on a SKIP LOCKED claim; the same statements as Conveyor's);
// - pg-boss as its users write it: boss.work(queue, { batchSize: 100 }, handler) (its default
//   2 s polling interval between fetches applies; it drains PG_BENCH_BOSS_MESSAGES, fewer);
// - pg-boss tuned: { batchSize: 100, burstWhenBatchFull: true, localConcurrency: 2 } (fetches
//   again at once after a full batch, two workers): what a user chasing throughput writes.
//
// Every drain runs in a fresh child process, so every contender starts with a cold JIT, as
// Conveyor's pool threads, new at every drain, must. Steady state is measured: the clock
// starts after Conveyor's consumer.start() (its pool threads' start, printed, and the rows
// deleted meanwhile are left out), at the single loop's first claim, after pg-boss' start(). Rounds are interleaved (every contender once per
// round, the order rotating) and each contender's messages/s is shown as min / median / max;
// ratios are of medians. The load average is printed before and after: other processes on
// the machine skew every figure.
//
//   node bench/postgres-throughput.ts                                   # N = 20,000, 3 rounds
//   PG_BENCH_MESSAGES=2000 PG_BENCH_ROUNDS=3 node bench/postgres-throughput.ts   # a quick look
//
// Knobs: DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), PG_BENCH_MESSAGES (20000),
// PG_BENCH_CPU_MESSAGES (half of it), PG_BENCH_BOSS_MESSAGES (500), PG_BENCH_ROUNDS (3),
// PG_BENCH_CPU_MS (0.2), PG_BENCH_BULK (Conveyor bulkSize, 50), PG_BENCH_CLAIM (rows a claim
// takes, 500).
//
// This file is also the pool threads' handler module (its default export) and, run with
// --drain, the child process of one drain.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { Bulk } from '@conveyor/core';
import type { PostgresMessage } from '@conveyor/postgres';
import { burn, calibrate } from './cpu-work.ts';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const messages = Number(process.env.PG_BENCH_MESSAGES ?? 20_000);
const cpuMessages = Number(process.env.PG_BENCH_CPU_MESSAGES ?? Math.max(100, Math.round(messages / 2)));
const bossMessages = Number(process.env.PG_BENCH_BOSS_MESSAGES ?? Math.min(500, messages));
const rounds = Number(process.env.PG_BENCH_ROUNDS ?? 3);
const cpuMs = Number(process.env.PG_BENCH_CPU_MS ?? 0.2);
const bulkSize = Number(process.env.PG_BENCH_BULK ?? 50);
const claimSize = Number(process.env.PG_BENCH_CLAIM ?? 500);
const self = fileURLToPath(import.meta.url);

/** A message body: its number, and how much CPU work its handler does (bytes to hash; 0: none). */
interface Job {
  readonly i: number;
  readonly burn: number;
}

let sink = 0;

/** The pool threads' handler (Conveyor): `burn` bytes hashed per message. */
export default function benchHandler(bulk: Bulk<PostgresMessage<Job>>): void {
  for (const message of bulk) sink ^= burn(message.body.burn, message.body.i);
  if (sink === 0.5) console.log(sink); // never: keeps `sink` observable
}

type Contender = 'conveyor' | 'single loop' | 'pg-boss as written' | 'pg-boss tuned';
const contenders: readonly Contender[] = ['conveyor', 'single loop', 'pg-boss as written', 'pg-boss tuned'];

async function main(): Promise<void> {
  const pg = (await import('pg')).default;
  const { PgBoss } = await import('pg-boss');
  const { migrate, PostgresSender } = await import('@conveyor/postgres');
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const bossSchema = `conveyor_bench_pgboss_${process.pid}`;
  const boss = new PgBoss({ connectionString: databaseUrl, schema: bossSchema, max: 8 });
  boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
  let runs = 0;
  const schemas: string[] = [];
  const startTimes: number[] = [];

  /** A fresh queue table with `count` jobs, for Conveyor or the single loop. */
  async function fillTable(count: number, burnIterations: number): Promise<string> {
    const schema = `conveyor_bench_${process.pid}_${++runs}`;
    schemas.push(schema);
    await migrate({ pool: admin, schema, table: 'jobs' });
    const sender = new PostgresSender<Job>({ pool: admin, schema, table: 'jobs' });
    for (let start = 0; start < count; start += 5_000) {
      await sender.sendBodies(
        Array.from({ length: Math.min(5_000, count - start) }, (_, offset) => ({ i: start + offset, burn: burnIterations })),
      );
    }
    await admin.query(`ANALYZE "${schema}".jobs`);
    return schema;
  }

  /** A fresh pg-boss queue with `count` jobs. */
  async function fillBossQueue(count: number, burnIterations: number): Promise<string> {
    const name = `bench-${++runs}`;
    await boss.createQueue(name);
    for (let start = 0; start < count; start += 5_000) {
      await boss.insert(
        name,
        Array.from({ length: Math.min(5_000, count - start) }, (_, offset) => ({ data: { i: start + offset, burn: burnIterations } })),
      );
    }
    return name;
  }

  /** Messages/s of one contender draining `count` messages, in a child process of its own. */
  async function drain(contender: Contender, count: number, burnIterations: number): Promise<number> {
    const target = contender.startsWith('pg-boss') ? await fillBossQueue(count, burnIterations) : await fillTable(count, burnIterations);
    const child = fork(self, ['--drain', contender, target, String(count), bossSchema], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const result = await new Promise<DrainResult>((resolve, reject) => {
      child.once('message', (message: DrainResult) => resolve(message));
      child.once('exit', (code) => reject(new Error(`the ${contender} drain exited (${code}) before reporting`)));
    });
    await new Promise((resolve) => child.once('exit', resolve));
    if (contender.startsWith('pg-boss')) await boss.deleteQueue(target);
    if (result.startMs !== undefined) startTimes.push(result.startMs);
    return result.messages / result.seconds;
  }

  try {
    await boss.start();
    const load = (): string =>
      loadavg()
        .map((value) => value.toFixed(2))
        .join(', ');
    const cpuBytes = calibrate(cpuMs);
    console.log(
      `Postgres drain: ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}, load average ${load()} (2 cores shared with the rest of the machine)`,
    );
    console.log(
      `  ${messages} messages a drain (${bossMessages} for pg-boss as written), CPU-heavy ${cpuMessages} at ${cpuMs} ms (SHA-256 of ${cpuBytes} bytes); ${rounds} interleaved rounds`,
    );
    // Warm-up (not counted): JIT, pool threads, connections, pg-boss' statements.
    for (const contender of contenders) await drain(contender, contender === 'pg-boss as written' ? 100 : 1_000, 0);

    for (const [label, burnIterations, count] of [
      ['trivial handler', 0, messages],
      ['CPU-heavy handler', cpuBytes, cpuMessages],
    ] as const) {
      const rates = new Map<Contender, number[]>(contenders.map((contender) => [contender, []]));
      for (let round = 0; round < rounds; round++) {
        const order = contenders.map((_, index) => contenders[(index + round) % contenders.length] as Contender);
        const line: string[] = [];
        for (const contender of order) {
          const rate = await drain(contender, contender === 'pg-boss as written' ? Math.min(bossMessages, count) : count, burnIterations);
          rates.get(contender)?.push(rate);
          line.push(`${contender} ${rate.toFixed(0)}`);
        }
        console.log(`  ${label}, round ${round + 1}: ${line.join(', ')} msg/s (load ${load()})`);
        for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
      console.log(`${label}: messages/s  min / median / max`);
      for (const contender of contenders) {
        const sorted = [...(rates.get(contender) ?? [])].sort((a, b) => a - b);
        const figures = [sorted[0], median(sorted), sorted.at(-1)].map((value) => (value ?? 0).toFixed(0).padStart(7)).join(' /');
        console.log(`  ${contender.padEnd(20)} ${figures}`);
      }
      const ours = median(rates.get('conveyor') ?? []);
      const ratio = (other: Contender): string => (ours / median(rates.get(other) ?? [])).toFixed(2);
      console.log(
        `  Conveyor / pg-boss as written: ${ratio('pg-boss as written')}x   Conveyor / pg-boss tuned: ${ratio('pg-boss tuned')}x   Conveyor / single loop: ${ratio('single loop')}x`,
      );
    }
    console.log(`Conveyor's consumer.start() (left out of its figures): median ${median(startTimes).toFixed(0)} ms`);
    console.log(`load average at the end: ${load()}`);
  } finally {
    await boss.stop({ graceful: false }).catch(() => {});
    for (const schema of [...schemas, bossSchema]) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await admin.end();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One drain's figure: messages over seconds, and what was left out of them. */
interface DrainResult {
  readonly messages: number;
  readonly seconds: number;
  /** Conveyor: ms its start() took (pool threads, handler module, pollers), not counted. */
  readonly startMs?: number;
}

/**
 * PostgresSource + Consumer (2 pollers, 2 pool threads) consuming and deleting `count` rows,
 * counted from the end of consumer.start(): the rows deleted meanwhile and its time are left out.
 */
async function drainWithConveyor(schema: string, count: number): Promise<DrainResult> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const { PostgresSource } = await import('@conveyor/postgres');
  let deleted = 0;
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  // Counts deletes as they complete, so the clock stops when the table is really empty.
  class CountingSource extends PostgresSource<Job> {
    override async cleanup(consumed: PostgresMessage<Job>[]): Promise<void> {
      await super.cleanup(consumed);
      deleted += consumed.length;
      if (deleted >= count) done();
    }
  }
  const source = new CountingSource({ connection: databaseUrl, schema, table: 'jobs', maxMessages: claimSize, logger: silentLogger });
  const consumer = new Consumer(source, {
    handlerModule: new URL(import.meta.url),
    maxHandlers: 2,
    maxPollers: 2,
    bulkSize,
    logger: silentLogger,
  });
  const starting = performance.now();
  await consumer.start();
  const started = performance.now();
  const deletedAtStart = deleted;
  await drained;
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  return { messages: count - deletedAtStart, seconds, startMs: started - starting };
}

/** One loop (claim up to 100 rows, handle them inline, delete them) draining `count` rows. */
async function drainWithSingleLoop(schema: string, count: number): Promise<DrainResult> {
  const { silentLogger } = await import('@conveyor/core');
  const { PostgresSource } = await import('@conveyor/postgres');
  const source = new PostgresSource<Job>({
    connection: databaseUrl,
    schema,
    table: 'jobs',
    maxMessages: 100,
    waitTime: 0,
    logger: silentLogger,
  });
  const signal = new AbortController().signal;
  const started = performance.now();
  let deleted = 0;
  while (deleted < count) {
    const batch = await source.get(signal, { maxMessages: 100 });
    for (const message of batch) sink ^= burn(message.body.burn, message.body.i);
    await source.cleanup(batch);
    deleted += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  await source.close();
  return { messages: count, seconds };
}

/** A child process: drains one table or pg-boss queue, sends its figures to the parent. */
async function drainInProcess(contender: Contender, target: string, count: number, bossSchema: string): Promise<void> {
  let result: DrainResult;
  switch (contender) {
    case 'conveyor':
      result = await drainWithConveyor(target, count);
      break;
    case 'single loop':
      result = await drainWithSingleLoop(target, count);
      break;
    case 'pg-boss as written':
    case 'pg-boss tuned': {
      const pg = (await import('pg')).default;
      const { PgBoss } = await import('pg-boss');
      const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      const boss = new PgBoss({ connectionString: databaseUrl, schema: bossSchema, max: 8, supervise: false, schedule: false });
      boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
      await boss.start();
      const options =
        contender === 'pg-boss tuned' ? { batchSize: 100, burstWhenBatchFull: true, localConcurrency: 2 } : { batchSize: 100 };
      result = { messages: count, seconds: await drainWithPgBoss(boss, admin, bossSchema, target, options, count) };
      await boss.stop({ graceful: false });
      await admin.end();
      break;
    }
  }
  process.send?.(result);
  process.exit(0);
}

/** Seconds pg-boss workers take until `count` jobs of the queue are completed (read from its job table). */
async function drainWithPgBoss(
  boss: import('pg-boss').PgBoss,
  admin: import('pg').Pool,
  schema: string,
  name: string,
  options: Record<string, unknown>,
  count: number,
): Promise<number> {
  const started = performance.now();
  await boss.work<Job>(name, options, async (jobs) => {
    for (const job of jobs) sink ^= burn(job.data.burn, job.data.i);
    return Promise.resolve();
  });
  for (;;) {
    const completed = await admin.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM "${schema}".job WHERE name = $1 AND state = 'completed'`,
      [name],
    );
    if ((completed.rows[0]?.n ?? 0) >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  await boss.offWork(name);
  return seconds;
}

if (isMainThread && process.argv[1] === self) {
  if (process.argv[2] === '--drain') {
    const [contender, target, count, bossSchema] = process.argv.slice(3) as [Contender, string, string, string];
    await drainInProcess(contender, target, Number(count), bossSchema);
  } else await main();
}
