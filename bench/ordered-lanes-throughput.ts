// Ordered lanes against no order: the same load — KEYS keys × PER_KEY messages, keys
// interleaved as producers write them, about 1 % failing once — drained from a MemorySource
// through the Consumer on 2 pool threads, once with an ordering key per message (each key
// one at a time, in order, a failure holding its key until it comes back) and once without.
// Rounds are interleaved; prints min / median / max of both rates, of the round-by-round
// ratio (keyed / unkeyed; the target is >= 0.8) and of the CPU each side spends a
// message (the process's, every thread: what the keys add, whatever the handler costs), with
// the load average. Once with a trivial handler (the lanes' overhead, nothing to hide it) and
// once with a handler that costs some work a message (SHA-256, calibrated in the run, its
// measured cost printed).
// Run: node --expose-gc bench/ordered-lanes-throughput.ts (after pnpm build).
// BENCH_KEYS (default 1000), BENCH_PER_KEY (100), BENCH_BULK_SIZE (16), BENCH_THREADS (2), BENCH_ROUNDS (5),
// BENCH_WARM_UP_ROUNDS (2: full drains of each side before the measured rounds), BENCH_WORK_US (0,10: the
// handler's work a message, in µs, one table row each).
import { loadavg } from 'node:os';
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import { burn, calibrate } from './cpu-work.ts';
import { settleHeap } from './memory-consumer-drain.ts';
import { spread } from './spread.ts';

const keys = Number(process.env.BENCH_KEYS ?? 1000);
const perKey = Number(process.env.BENCH_PER_KEY ?? 100);
const bulkSize = Number(process.env.BENCH_BULK_SIZE ?? 16);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const warmUpRounds = Number(process.env.BENCH_WARM_UP_ROUNDS ?? 2);
const worksUs = (process.env.BENCH_WORK_US ?? '0,10').split(',').map(Number);

interface Keyed {
  readonly key: number;
  readonly seq: number;
  readonly fail?: true;
}

const bodies: Keyed[] = [];
for (let seq = 0; seq < perKey; seq++)
  for (let key = 0; key < keys; key++) bodies.push({ key, seq, ...((key * 7 + seq * 13) % 100 === 0 ? { fail: true as const } : {}) });
const failing = bodies.filter((body) => body.fail === true).length;

/** One drain: messages per second, and CPU µs a message (all threads of the process). */
interface Drain {
  readonly rate: number;
  readonly cpuUs: number;
}

/** One drain of the load, with or without ordering keys. */
async function drain(count: number, keyed: boolean): Promise<Drain> {
  const source = new MemorySource<Keyed>({
    waitTime: 5,
    retryBackoff: { baseMs: 5, capMs: 20 },
    ...(keyed ? { orderingKey: (body: Keyed) => body.key } : {}),
  });
  source.sendMany(count === bodies.length ? bodies : bodies.slice(0, count));
  // A settled heap before start(): once started, the consumer drains.
  await settleHeap();
  const consumer = new Consumer(source, {
    handlerModule: new URL('./workers/flagged-failure-handler.js', import.meta.url),
    maxHandlers: threads,
    maxPollers: 1,
    bulkSize,
    logger: silentLogger,
  });
  await consumer.start();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await source.drained();
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  if (source.consumedCount !== count) throw new Error(`lost messages: ${source.consumedCount} of ${count}`);
  return { rate: count / seconds, cpuUs: (cpu.user + cpu.system) / count };
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const format = (perSecond: number): string => `${(perSecond / 1e3).toFixed(1)}k`;
const micros = (value: number): string => value.toFixed(2);

/** Bytes of hashing that cost about `us` a message, and what they measured here (µs a call, createHash included). */
function workOf(us: number): { readonly bytes: number; readonly measuredUs: number } {
  if (us <= 0) return { bytes: 0, measuredUs: 0 };
  let bytes = calibrate(us / 1000);
  let measuredUs = 0;
  // A call's fixed cost (createHash, digest) is not in the calibration: correct the size twice against a timing.
  for (let pass = 0; pass < 3; pass++) {
    let sink = 0;
    const calls = 20_000;
    const started = performance.now();
    for (let call = 0; call < calls; call++) sink ^= burn(bytes, call);
    measuredUs = ((performance.now() - started) * 1000) / calls;
    if (sink === 0.5) console.log(sink); // never: keeps the work observable
    if (pass < 2) bytes = Math.max(1, Math.round(bytes * (us / measuredUs)));
  }
  return { bytes, measuredUs };
}

console.log(
  `ordered lanes throughput: ${keys} keys × ${perKey} messages (${failing} failing once), bulkSize ${bulkSize}, ${threads} pool threads, ` +
    `${rounds} interleaved rounds, Node ${process.version}; load ${load()}`,
);
console.log(`handler work a message | without keys | with keys | with / without | CPU µs a message without | with`);
for (const workUs of worksUs) {
  const work = workOf(workUs);
  // Pool threads are made per drain, and take the environment as it is then.
  process.env['CONVEYOR_BENCH_WORK_BYTES'] = String(work.bytes);
  // Warm up both sides alike (JIT, pool start-up) with full drains, so no measured round pays for
  // compiling a path: the keyed path has more code to optimise, and a short warm-up left it half-compiled.
  for (let round = 0; round < warmUpRounds; round++) {
    await drain(bodies.length, false);
    await drain(bodies.length, true);
  }
  const unkeyed: Drain[] = [];
  const keyed: Drain[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, so a drift in the machine's load favours neither.
    const [first, second] = round % 2 === 0 ? [false, true] : [true, false];
    const a = await drain(bodies.length, first);
    const b = await drain(bodies.length, second);
    unkeyed.push(first ? b : a);
    keyed.push(first ? a : b);
  }
  const ratios = keyed.map((side, round) => side.rate / (unkeyed[round] as Drain).rate);
  const what = workUs <= 0 ? 'trivial' : `${micros(work.measuredUs)} µs (${work.bytes} B of SHA-256)`;
  console.log(
    `${what} | ${spread(
      unkeyed.map((side) => side.rate),
      format,
    )} | ${spread(
      keyed.map((side) => side.rate),
      format,
    )} | ${spread(ratios, (value) => value.toFixed(2))} | ${spread(
      unkeyed.map((side) => side.cpuUs),
      micros,
    )} | ${spread(
      keyed.map((side) => side.cpuUs),
      micros,
    )}`,
  );
}
delete process.env['CONVEYOR_BENCH_WORK_BYTES'];
console.log(`(rates in messages/s as min/median/max; load after: ${load()})`);
