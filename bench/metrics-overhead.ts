// What metrics cost: the core Consumer benchmark (MemorySource → Piscina pool, trivial
// handler, as in core-throughput.ts) run without metrics and with the Prometheus adapter,
// in BENCH_ROUNDS pairs, alternating which goes first. Prints the median messages/s of each
// and the median of the paired ratios with/without (target ≥ 0.95): pairs run back to back,
// so drift on a shared machine hits both sides of a pair alike. Two ratios: by wall-clock
// throughput, and by messages per CPU second of the process, which other jobs on a shared
// machine disturb much less (they steal time, not our CPU seconds). Run: pnpm build && node bench/metrics-overhead.ts
import { availableParallelism } from 'node:os';
import type { ConsumerMetrics } from '@conveyor/core';
import { PrometheusMetrics } from '@conveyor/prometheus';
import { drainThroughConsumer } from './memory-consumer-drain.ts';
import type { DrainResult } from './memory-consumer-drain.ts';

const totalMessages = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const bulkSizes = (process.env.BENCH_BULK_SIZES ?? '1,16,128').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const threads = availableParallelism();

function consumerRun(bulkSize: number, metrics: ConsumerMetrics | undefined): Promise<DrainResult> {
  return drainThroughConsumer({ count: totalMessages, bulkSize, threads, metrics });
}

const format = (perSecond: number): string => `${(perSecond / 1e6).toFixed(3)} M msg/s`;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

console.log(`metrics overhead: ${totalMessages} messages a run, ${threads} pool threads, ${rounds} pairs of runs, Node ${process.version}`);
console.log('bulkSize | no metrics (median) | Prometheus (median) | wall ratio | CPU ratio (medians of pairs)');
const wallRatios: number[] = [];
const cpuRatios: number[] = [];
for (const bulkSize of bulkSizes) {
  const without: number[] = [];
  const withMetrics: number[] = [];
  const wallPairs: number[] = [];
  const cpuPairs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so warm-up and machine noise do not favour one side.
    let plain: DrainResult;
    let measured: DrainResult;
    if (round % 2 === 0) {
      plain = await consumerRun(bulkSize, undefined);
      measured = await consumerRun(bulkSize, new PrometheusMetrics());
    } else {
      measured = await consumerRun(bulkSize, new PrometheusMetrics());
      plain = await consumerRun(bulkSize, undefined);
    }
    without.push(plain.wall);
    withMetrics.push(measured.wall);
    wallPairs.push(measured.wall / plain.wall);
    cpuPairs.push(measured.cpu / plain.cpu);
  }
  wallRatios.push(median(wallPairs));
  cpuRatios.push(median(cpuPairs));
  console.log(
    `${String(bulkSize).padStart(8)} | ${format(median(without)).padEnd(19)} | ${format(median(withMetrics)).padEnd(19)} | ${median(wallPairs).toFixed(3).padEnd(10)} | ${median(cpuPairs).toFixed(3)}`,
  );
}
const geometricMean = (ratios: number[]): number => Math.exp(ratios.reduce((sum, ratio) => sum + Math.log(ratio), 0) / ratios.length);
console.log(
  `ratio with/without metrics (geometric mean over bulk sizes): wall ${geometricMean(wallRatios).toFixed(3)}, CPU ${geometricMean(cpuRatios).toFixed(3)} (target ≥ 0.95)`,
);
