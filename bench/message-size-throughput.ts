// The core workload at several message sizes: BENCH_MESSAGES messages whose bodies are
// BENCH_BODY_BYTES characters, from a MemorySource through the Consumer to a trivial handler on
// the pool threads, against a bare Piscina loop sending one JSON string a task at the same task
// size (the Consumer's mean parcel, measured in the same round: what its users write) and a
// SharedArrayBuffer ring per thread (the fastest hop this machine allows). Past about 128 KB a
// JSON.stringify result is a large-object allocation and costs about 4x a message; the
// Consumer encodes a parcel in chunks under it (packages/core/src/threads/json-chunks.ts), the
// bare loop does not. Rounds are interleaved; min / median / max of the rates and of the
// round-by-round ratios, with the load average.
// Run: node --expose-gc bench/message-size-throughput.ts (after pnpm build).
// BENCH_MESSAGES (default 300000), BENCH_BODY_BYTES (32,256,1024), BENCH_BULK_SIZE (128), BENCH_ROUNDS (3).
import { availableParallelism, loadavg } from 'node:os';
import { bareLoop, envelopes, sabRing } from './hop-baselines.ts';
import { drainThroughConsumer } from './memory-consumer-drain.ts';
import { parcelCounter } from './parcel-counter.ts';
import { spread } from './spread.ts';

const count = Number(process.env.BENCH_MESSAGES ?? 300_000);
const sizes = (process.env.BENCH_BODY_BYTES ?? '32,256,1024').split(',').map(Number);
const bulkSize = Number(process.env.BENCH_BULK_SIZE ?? 128);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const threads = availableParallelism();

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const rates = (values: number[]): string => spread(values, (value) => `${(value / 1e6).toFixed(2)}M`);
const ratios = (values: number[]): string => spread(values, (value) => value.toFixed(2));

console.log(
  `message sizes: ${count} messages a drain, bulkSize ${bulkSize}, ${threads} pool threads, ${rounds} interleaved rounds, Node ${process.version}; load ${load()}`,
);
// Warm up the Consumer and both baselines (JIT, pool start-up).
await drainThroughConsumer({ count: 100_000, bulkSize, threads });
await bareLoop(envelopes(100_000), 1024, threads, 'json');
await sabRing(envelopes(100_000), 1024, threads);
console.log('body chars | task size | JSON a task | Consumer | bare JSON | SAB ring | Consumer / bare JSON | Consumer / ring');
for (const bodyBytes of sizes) {
  const sides = { consumer: [] as number[], json: [] as number[], ring: [] as number[] };
  const vsJson: number[] = [];
  const vsRing: number[] = [];
  let taskSize = bulkSize;
  for (let round = 0; round < rounds; round++) {
    const counter = parcelCounter();
    const consumer = (await drainThroughConsumer({ count, bulkSize, threads, metrics: counter, bodyBytes })).wall;
    taskSize = counter.meanParcel();
    // The baselines' envelopes exist during their turn only (see core-throughput.ts).
    const messages = envelopes(count, bodyBytes);
    const json = await bareLoop(messages, taskSize, threads, 'json');
    const ring = await sabRing(messages, taskSize, threads);
    sides.consumer.push(consumer);
    sides.json.push(json);
    sides.ring.push(ring);
    vsJson.push(consumer / json);
    vsRing.push(consumer / ring);
  }
  const taskKb = (JSON.stringify(envelopes(taskSize, bodyBytes)).length / 1024).toFixed(0);
  console.log(
    `${String(bodyBytes).padStart(10)} | ${String(taskSize).padStart(9)} | ${taskKb.padStart(8)} KB | ${rates(sides.consumer)} | ${rates(sides.json)} | ${rates(sides.ring)} | ${ratios(vsJson)} | ${ratios(vsRing)}`,
  );
}
console.log(`(rates in messages/s as min/median/max; load after: ${load()})`);
