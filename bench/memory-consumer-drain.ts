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
  // Measure from a settled heap (with --expose-gc): the preloaded messages are setup, not work. Settled
  // before start(): once started, the consumer drains, and a pause then would be work not timed.
  await settleHeap();
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
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await source.drained();
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  if (source.consumedCount !== count) throw new Error(`lost messages: ${source.consumedCount} of ${count}`);
  return { wall: count / seconds, cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * A full garbage collection (with --expose-gc), then a pause while the collector's
 * concurrent work after it (sweeping, freeing pages) ends: started at once, a side
 * shared two cores with it, and a Consumer drain that followed a million dropped
 * envelopes ran at 1.5M msg/s where it ran at 2.4-3.2M after a 300 ms pause.
 * Every side of every core benchmark starts from here.
 */
export async function settleHeap(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 300));
}
