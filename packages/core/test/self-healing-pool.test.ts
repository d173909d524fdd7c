import { describe, expect, it } from 'vitest';
import { Consumer, InvalidOptionError, MemorySource } from '@conveyor/core';
import { RecordingSource, bodies, fixture, quiet, sorted, until } from './helpers.js';

describe('self-healing pool threads', () => {
  it('maxBulksPerThread replaces a thread after that many bulks: nothing lost, no death reported', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(120));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 2,
      bulkSize: 5,
      maxBulksPerThread: 4,
    });
    const recycled: string[] = [];
    const died: unknown[] = [];
    consumer.on('threadRecycled', ({ reason }) => recycled.push(reason));
    consumer.on('threadDied', ({ error }) => died.push(error));
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual(Array.from({ length: 120 }, (_, index) => index + 1));
    expect(source.released).toEqual([]);
    expect(died).toEqual([]);
    expect(recycled.length).toBeGreaterThanOrEqual(2);
    expect(new Set(recycled)).toEqual(new Set(['bulks']));
  });

  it('a leaking handler library: maxThreadHeapMb keeps the process memory bounded', async () => {
    const source = new MemorySource<{ leakKb: number }>({ waitTime: 5 });
    // 400 × 1 MB = 400 MB of leaks in all; each thread is replaced once it holds more than 48 MB.
    source.sendMany(Array.from({ length: 400 }, () => ({ leakKb: 1024 })));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('leaky-handler.js'),
      maxHandlers: 2,
      bulkSize: 4,
      maxThreadHeapMb: 48,
    });
    let recycled = 0;
    let peakRss = 0;
    consumer.on('threadRecycled', () => recycled++);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const before = process.memoryUsage().rss;
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    clearInterval(sampler);
    expect(source.consumedCount).toBe(400);
    expect(recycled).toBeGreaterThanOrEqual(4);
    // Bounded by the ceiling of the two threads (plus a thread being replaced), far below the 400 MB leaked.
    expect(peakRss - before).toBeLessThan(300 * 1024 * 1024);
  });

  it('minHandlers: the pool grows under load and shrinks back when idle', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(40, () => ({ sleep: 20 })));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      minHandlers: 1,
      maxHandlers: 2,
      threadIdleTimeout: 300,
    });
    let peakThreads = 0;
    const sampler = setInterval(() => (peakThreads = Math.max(peakThreads, consumer.stats.poolThreads)), 5);
    await consumer.start();
    await source.drained();
    clearInterval(sampler);
    expect(peakThreads).toBe(2);
    await until(() => consumer.stats.poolThreads === 1, 5_000, 'the idle thread to stop');
    await consumer.shutdown();
  });

  it('validates the pool options', () => {
    const create = (options: object) => (): unknown =>
      new Consumer(new MemorySource(), { ...quiet, handlerModule: fixture('scripted-handler.js'), maxHandlers: 2, ...options });
    expect(create({ minHandlers: 3 })).toThrow(/`minHandlers` to be at most `maxHandlers` \(2\)/);
    expect(create({ maxBulksPerThread: 0 })).toThrow(InvalidOptionError);
    expect(create({ maxThreadHeapMb: -5 })).toThrow(/maxThreadHeapMb/);
    expect(create({ threadIdleTimeout: 0 })).toThrow(/threadIdleTimeout/);
  });
});
