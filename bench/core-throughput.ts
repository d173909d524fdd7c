// The core benchmark: small messages preloaded in a MemorySource, moved by the Consumer to a
// trivial handler on the pool threads and acknowledged; against, in the same run and at the
// same task size (the Consumer's mean parcel, measured in the same round), a bare Piscina loop
// (one JSON string a task, or transferred UTF-8 bytes) and a SharedArrayBuffer ring per thread,
// the fastest hop this machine allows. Rounds are interleaved; each prints min / median / max
// of the rates and of the round-by-round ratios, with the load average.
// Run: pnpm bench (node --expose-gc bench/core-throughput.ts).
// First, the cost of small drains: per message, a 10,000-message drain (a fresh consumer, as
// every drain here) against a BENCH_MESSAGES one at bulk 128, wall and CPU, interleaved.
// BENCH_MESSAGES (default 1000000), BENCH_BULK_SIZES (1,16,128,512), BENCH_ROUNDS (5).
import { availableParallelism, loadavg } from 'node:os';
import { bareLoop, envelopes, sabRing } from './hop-baselines.ts';
import { drainThroughConsumer } from './memory-consumer-drain.ts';
import { parcelCounter } from './parcel-counter.ts';
import { spread } from './spread.ts';

const totalMessages = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const bulkSizes = (process.env.BENCH_BULK_SIZES ?? '1,16,128,512').split(',').map(Number);
const threads = availableParallelism();
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

const format = (perSecond: number): string => `${(perSecond / 1e6).toFixed(2)}M`;
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

console.log(
  `core throughput: ${totalMessages} messages, ${threads} pool threads, ${rounds} interleaved rounds, Node ${process.version}; load ${load()}`,
);
// Warm up the Consumer (JIT, pool start-up) so the first measured round is not penalised.
await drainThroughConsumer({ count: 100_000, bulkSize: 128, threads });

// Small drains: what a fresh consumer's start-up learning (parcel sizes, the in-flight window,
// cold pool threads) costs per message when there are few messages. Measured before the
// baselines' million envelopes exist: a heap holding them makes any full garbage collection
// during a 10 ms drain cost more than the drain, which no consumer of 10,000 messages pays.
const smallCount = 10_000;
const wallRatios: number[] = [];
const cpuRatios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const small = await drainThroughConsumer({ count: smallCount, bulkSize: 128, threads });
  const large = await drainThroughConsumer({ count: totalMessages, bulkSize: 128, threads });
  wallRatios.push(large.wall / small.wall);
  cpuRatios.push(large.cpu / small.cpu);
}
const times = (values: number[]): string => spread(values, (value) => `${value.toFixed(2)}x`);
console.log(
  `cost per message of a ${smallCount}-message drain / a ${totalMessages}-message drain (bulk 128): wall ${times(wallRatios)}, CPU ${times(cpuRatios)} (target ≤ 2x); load ${load()}`,
);

// Warm up the baselines too. Their envelopes are built for each round after the Consumer's drain and
// dropped after it: each side runs with only its own messages in the heap (a full garbage collection
// during the Consumer's drain would otherwise mark a million envelopes it does not own).
const warmUp = envelopes(100_000);
await bareLoop(warmUp, 2048, threads, 'json');
await sabRing(warmUp, 2048, threads);

console.log(
  'bulkSize | task size | Consumer | bare JSON | bare bytes | SAB ring | Consumer / bare JSON | Consumer / ring (fraction of the limit)',
);
for (const bulkSize of bulkSizes) {
  const sides = { consumer: [] as number[], json: [] as number[], bytes: [] as number[], ring: [] as number[] };
  const vsJson: number[] = [];
  const vsRing: number[] = [];
  let taskSize = bulkSize;
  for (let round = 0; round < rounds; round++) {
    const counter = parcelCounter();
    const consumer = (await drainThroughConsumer({ count: totalMessages, bulkSize, threads, metrics: counter })).wall;
    taskSize = counter.meanParcel();
    const messages = envelopes(totalMessages);
    const json = await bareLoop(messages, taskSize, threads, 'json');
    const bytes = await bareLoop(messages, taskSize, threads, 'bytes');
    const ring = await sabRing(messages, taskSize, threads);
    sides.consumer.push(consumer);
    sides.json.push(json);
    sides.bytes.push(bytes);
    sides.ring.push(ring);
    vsJson.push(consumer / json);
    vsRing.push(consumer / ring);
  }
  const rates = (values: number[]): string => spread(values, format);
  const ratios = (values: number[]): string => spread(values, (value) => value.toFixed(2));
  console.log(
    `${String(bulkSize).padStart(8)} | ${String(taskSize).padStart(9)} | ${rates(sides.consumer)} | ${rates(sides.json)} | ${rates(sides.bytes)} | ${rates(sides.ring)} | ${ratios(vsJson)} | ${ratios(vsRing)}`,
  );
}
console.log(`(rates in messages/s as min/median/max; load after: ${load()})`);
