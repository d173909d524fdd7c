// The core workload both core benchmarks measure: small messages preloaded in a
// MemorySource, drained through a Consumer with a trivial handler on the pool.
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import type { ConsumerMetrics } from '@conveyor/core';

export interface DrainOptions {
  readonly count: number;
  readonly bulkSize: number;
  readonly threads: number;
  readonly metrics?: ConsumerMetrics | undefined;
  readonly maxInFlight?: number | undefined;
  /** Characters of each message's body (default 32). */
  readonly bodyBytes?: number | undefined;
}

export interface DrainResult {
  /** Messages per second of wall-clock time. */
  readonly wall: number;
  /** Messages per second of this process's CPU time (all threads). */
  readonly cpu: number;
}

const body = 'x'.repeat(32);

export async function drainThroughConsumer(options: DrainOptions): Promise<DrainResult> {
  const { count } = options;
  const source = new MemorySource<string>({ waitTime: 5 });
  const text = options.bodyBytes === undefined ? body : 'x'.repeat(options.bodyBytes);
  source.sendMany(Array.from({ length: count }, () => text));
  const consumer = new Consumer(source, {
    handlerModule: new URL('./workers/trivial-handler.js', import.meta.url),
    maxHandlers: options.threads,
    maxPollers: 1,
    bulkSize: options.bulkSize,
    logger: silentLogger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
  });
  await consumer.start();
  // Measure from a settled heap (with --expose-gc): the preloaded messages are setup, not work.
  collectGarbage();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await source.drained();
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  if (source.consumedCount !== count) throw new Error(`lost messages: ${source.consumedCount} of ${count}`);
  return { wall: count / seconds, cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
