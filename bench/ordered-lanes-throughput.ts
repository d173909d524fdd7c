// Ordered lanes against no order: the same load — KEYS keys × PER_KEY messages, keys
// interleaved as producers write them, about 1 % failing once — drained from a MemorySource
// through the Consumer on 2 pool threads, once with an ordering key per message (each key
// one at a time, in order, a failure holding its key until it comes back) and once without.
// Rounds are interleaved; prints min / median / max of both rates and of the round-by-round
// ratio (keyed / unkeyed; the target is >= 0.8), with the load average.
// Run: node --expose-gc bench/ordered-lanes-throughput.ts (after pnpm build).
// BENCH_KEYS (default 1000), BENCH_PER_KEY (100), BENCH_BULK_SIZE (16), BENCH_THREADS (2), BENCH_ROUNDS (5),
// BENCH_WARM_UP_ROUNDS (2: full drains of each side before the measured rounds).
import { loadavg } from 'node:os';
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import { collectGarbage } from './memory-consumer-drain.ts';
import { spread } from './spread.ts';

const keys = Number(process.env.BENCH_KEYS ?? 1000);
const perKey = Number(process.env.BENCH_PER_KEY ?? 100);
const bulkSize = Number(process.env.BENCH_BULK_SIZE ?? 16);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const warmUpRounds = Number(process.env.BENCH_WARM_UP_ROUNDS ?? 2);

interface Keyed {
  readonly key: number;
  readonly seq: number;
  readonly fail?: true;
}

const bodies: Keyed[] = [];
for (let seq = 0; seq < perKey; seq++)
  for (let key = 0; key < keys; key++) bodies.push({ key, seq, ...((key * 7 + seq * 13) % 100 === 0 ? { fail: true as const } : {}) });
const failing = bodies.filter((body) => body.fail === true).length;

/** Messages per second of one drain, with or without ordering keys. */
async function drain(count: number, keyed: boolean): Promise<number> {
  const source = new MemorySource<Keyed>({
    waitTime: 5,
    retryBackoff: { baseMs: 5, capMs: 20 },
    ...(keyed ? { orderingKey: (body: Keyed) => body.key } : {}),
  });
  source.sendMany(count === bodies.length ? bodies : bodies.slice(0, count));
  const consumer = new Consumer(source, {
    handlerModule: new URL('./workers/flagged-failure-handler.js', import.meta.url),
    maxHandlers: threads,
    maxPollers: 1,
    bulkSize,
    logger: silentLogger,
  });
  await consumer.start();
  collectGarbage();
  const started = performance.now();
  await source.drained();
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  if (source.consumedCount !== count) throw new Error(`lost messages: ${source.consumedCount} of ${count}`);
  return count / seconds;
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const format = (perSecond: number): string => `${(perSecond / 1e3).toFixed(1)}k`;

console.log(
  `ordered lanes throughput: ${keys} keys × ${perKey} messages (${failing} failing once), bulkSize ${bulkSize}, ${threads} pool threads, ` +
    `${rounds} interleaved rounds, Node ${process.version}; load ${load()}`,
);
// Warm up both sides alike (JIT, pool start-up) with full drains, so no measured round pays for
// compiling a path: the keyed path has more code to optimise, and a short warm-up left it half-compiled.
for (let round = 0; round < warmUpRounds; round++) {
  await drain(bodies.length, false);
  await drain(bodies.length, true);
}

const unkeyed: number[] = [];
const keyed: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which side goes first, so a drift in the machine's load favours neither.
  const [first, second] = round % 2 === 0 ? [false, true] : [true, false];
  const a = await drain(bodies.length, first);
  const b = await drain(bodies.length, second);
  const [plain, ordered] = first ? [b, a] : [a, b];
  unkeyed.push(plain);
  keyed.push(ordered);
  ratios.push(ordered / plain);
}
console.log(`without keys | with keys | with / without`);
console.log(`${spread(unkeyed, format)} | ${spread(keyed, format)} | ${spread(ratios, (value) => value.toFixed(2))}`);
console.log(`(rates in messages/s as min/median/max; load after: ${load()})`);
