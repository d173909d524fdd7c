import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import type { ConsumerMetrics, SettledSample } from '@conveyor/core';
import { fixture, quiet } from './helpers.js';

function recorder(): ConsumerMetrics & { samples: SettledSample[] } {
  const samples: SettledSample[] = [];
  return { samples, received() {}, settleError() {}, settled: (sample) => void samples.push(sample) };
}

describe('parcel sizing', () => {
  it('sends slow (CPU-heavy) bulks one per task once their cost is known, so no thread idles behind a long parcel', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany(Array.from({ length: 40 }, (_, n) => n));
    const metrics = recorder();
    const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('slow-handler.js'), maxHandlers: 2, bulkSize: 1, metrics });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(metrics.samples.reduce((sum, sample) => sum + sample.consumed, 0)).toBe(40);
    // Before the first parcel came back (two per thread), parcels carry at most 4 bulks; after, one.
    expect(metrics.samples.every((sample) => sample.bulks <= 4)).toBe(true);
    expect(metrics.samples.slice(4).every((sample) => sample.bulks === 1)).toBe(true);
    expect(metrics.samples.length).toBeGreaterThanOrEqual(28); // at most 16 messages in the first four
  });

  it('groups many quick bulks into one task, once their cost is known', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany(Array.from({ length: 20_000 }, (_, n) => n));
    const metrics = recorder();
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('named-export-handler.js'),
      handlerExport: 'handle',
      maxHandlers: 2,
      bulkSize: 1,
      metrics,
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    // Loose bounds on purpose: a busy machine inflates the measured cost, never to 1 bulk a task.
    expect(Math.max(...metrics.samples.map((sample) => sample.bulks))).toBeGreaterThan(10);
    expect(metrics.samples.length).toBeLessThan(20_000 / 5);
  });
});
