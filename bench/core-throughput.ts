// Pushes small messages through the Consumer (MemorySource → Piscina pool, trivial handler)
// at several bulk sizes, and through a bare piscina.run() loop doing the same batches in the
// same process run; prints messages/s and the ratio. Run: pnpm bench (or node --expose-gc bench/core-throughput.ts).
// BENCH_MESSAGES (default 1000000), BENCH_BULK_SIZES (1,16,128,512), BENCH_ROUNDS (3, best kept).
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { collectGarbage, drainThroughConsumer } from './memory-consumer-drain.ts';

const totalMessages = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const bulkSizes = (process.env.BENCH_BULK_SIZES ?? '1,16,128,512').split(',').map(Number);
const threads = availableParallelism();
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const body = 'x'.repeat(32);

interface Envelope {
  id: number;
  body: string;
  receiveCount: number;
  receipt: number;
}

/** Bulk size 1 costs a thread hop per message in the bare loop: measure it on fewer messages. */
const messagesFor = (bulkSize: number, total = totalMessages): number => (bulkSize === 1 ? Math.min(total, 200_000) : total);

async function bareLoop(bulkSize: number, encoding: 'clone' | 'json', total = totalMessages): Promise<number> {
  const count = messagesFor(bulkSize, total);
  const pool = new Piscina({
    filename: new URL('./workers/bare-batch.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  await Promise.all(Array.from({ length: threads }, () => pool.run([])));
  collectGarbage();
  const started = performance.now();
  let next = 0;
  // Keep two tasks per thread queued, as a careful hand-written loop would.
  const lane = async (): Promise<void> => {
    while (next < count) {
      const batch: Envelope[] = [];
      for (let index = 0; index < bulkSize && next < count; index++, next++) batch.push({ id: next, body, receiveCount: 1, receipt: next });
      await pool.run(encoding === 'json' ? JSON.stringify(batch) : batch);
    }
  };
  await Promise.all(Array.from({ length: threads * 2 }, lane));
  const seconds = (performance.now() - started) / 1000;
  await pool.destroy();
  return count / seconds;
}

async function consumerRun(bulkSize: number, total = totalMessages): Promise<number> {
  return (await drainThroughConsumer({ count: messagesFor(bulkSize, total), bulkSize, threads })).wall;
}

const format = (perSecond: number): string => `${(perSecond / 1e6).toFixed(3)} M msg/s`;

console.log(
  `core throughput: ${totalMessages} messages (200k at bulk size 1), ${threads} pool threads, best of ${rounds} rounds, Node ${process.version}`,
);
// Warm up both sides (JIT, pool start-up) so the first measured row is not penalised.
for (const bulkSize of [16, 128]) {
  await consumerRun(bulkSize, 50_000);
  await bareLoop(bulkSize, 'clone', 50_000);
  await bareLoop(bulkSize, 'json', 50_000);
}
console.log('bulkSize | Consumer        | bare piscina (clone) | ratio | bare piscina (json string) | ratio');
for (const bulkSize of bulkSizes) {
  // Best of `rounds`, the three contenders interleaved, so a noisy moment hurts no one side.
  let ours = 0;
  let bareClone = 0;
  let bareJson = 0;
  for (let round = 0; round < rounds; round++) {
    ours = Math.max(ours, await consumerRun(bulkSize));
    bareClone = Math.max(bareClone, await bareLoop(bulkSize, 'clone'));
    bareJson = Math.max(bareJson, await bareLoop(bulkSize, 'json'));
  }
  console.log(
    `${String(bulkSize).padStart(8)} | ${format(ours).padEnd(15)} | ${format(bareClone).padEnd(20)} | ${(ours / bareClone).toFixed(2)}x | ${format(bareJson).padEnd(26)} | ${(ours / bareJson).toFixed(2)}x`,
  );
}
