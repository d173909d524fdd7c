import { describe, expect, it } from 'vitest';
import { Consumer, InvalidOptionError, MemorySource } from '@conveyor/core';
import type { ConsumerMetrics, SettledSample } from '@conveyor/core';
import { RecordingSource, bodies, fixture, quiet, until } from './helpers.js';

class CountingMetrics implements ConsumerMetrics {
  receivedCount = 0;
  samples: SettledSample[] = [];
  settleErrors: string[] = [];
  received(count: number): void {
    this.receivedCount += count;
  }
  settled(sample: SettledSample): void {
    this.samples.push(sample);
  }
  settleError(kind: 'cleanup' | 'release'): void {
    this.settleErrors.push(kind);
  }
  total(key: 'consumed' | 'failed' | 'bulks'): number {
    return this.samples.reduce((sum, sample) => sum + sample[key], 0);
  }
}

/** Runs the consumer until its source is drained; every parcel's wait must lie within the run. */
async function drainedWaits(consumer: Consumer<never>, source: { drained(): Promise<void> }, metrics: CountingMetrics): Promise<number[]> {
  const started = performance.now();
  await consumer.start();
  await source.drained();
  const elapsed = performance.now() - started;
  await consumer.shutdown();
  const waits = metrics.samples.map((sample) => sample.waitMs);
  expect(waits.every((wait) => wait >= 0 && wait <= elapsed)).toBe(true);
  return waits;
}

describe('metrics', () => {
  it('a source given as a module keeps its metrics (one assembly path for every kind of source)', async () => {
    const metrics = new CountingMetrics();
    const consumer = new Consumer<{ n: number }>(
      { module: fixture('memory-source-module.js'), options: { count: 20 } },
      { ...quiet, handler: (bulk) => void [...bulk], metrics },
    );
    expect(consumer.metrics).toBe(metrics);
    expect(consumer.options.metrics).toBe(metrics);
    await consumer.start();
    await until(() => metrics.total('consumed') === 20, 10_000, 'every message consumed');
    await consumer.shutdown();
    expect(metrics.receivedCount).toBe(20);
  });

  it('reports exact counts of received, consumed and failed messages, and timings', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(100, (n) => (n % 10 === 0 ? { mark: 'first' } : {})));
    const metrics = new CountingMetrics();
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 2,
      bulkSize: 8,
      metrics,
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(metrics.total('consumed')).toBe(100);
    expect(metrics.total('failed')).toBe(10);
    expect(metrics.receivedCount).toBe(110);
    expect(metrics.samples.every((sample) => sample.handlerMs >= 0 && sample.waitMs >= 0)).toBe(true);
    expect(metrics.total('bulks')).toBeGreaterThanOrEqual(Math.ceil(100 / 8));
  });

  it('times the wait of parcels from ordered lanes from when their oldest message arrived', async () => {
    const source = new MemorySource<{ key: string }>({ waitTime: 5, orderingKey: (body) => body.key });
    source.sendMany(['a', 'b', 'c', 'a', 'b', 'c'].map((key) => ({ key })));
    const metrics = new CountingMetrics();
    // One message at a time, 20 ms each: the later parcels wait for the earlier ones.
    const consumer = new Consumer(source, {
      ...quiet,
      handler: async (bulk) => {
        for (const message of bulk) await new Promise((resolve) => setTimeout(resolve, message.body.key.length * 20));
      },
      maxHandlers: 1,
      bulkSize: 1,
      metrics,
    });
    const waits = await drainedWaits(consumer, source, metrics);
    expect(metrics.total('consumed')).toBe(6);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(40);
  });

  it('times the wait of suspects handled alone after a thread death from when they were queued again', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(12, (n) => (n === 5 ? { exitOnFirst: true } : {})));
    const metrics = new CountingMetrics();
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 2,
      bulkSize: 4,
      metrics,
    });
    await drainedWaits(consumer, source, metrics);
    expect(metrics.total('consumed')).toBe(12);
  });

  it('counts cleanup errors', async () => {
    const source = new RecordingSource<number>();
    source.sendMany([1]);
    let fail = true;
    const flaky = {
      get: source.get.bind(source),
      release: source.release.bind(source),
      cleanup: (messages: Parameters<typeof source.cleanup>[0]) => {
        if (fail) {
          fail = false;
          throw new Error('once');
        }
        source.cleanup(messages);
      },
    };
    const metrics = new CountingMetrics();
    const consumer = new Consumer(flaky, { ...quiet, handler: (bulk) => void [...bulk], metrics });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(metrics.settleErrors).toEqual(['cleanup']);
  });

  it('rejects an object that is not a ConsumerMetrics', () => {
    expect(() => new Consumer(new RecordingSource(), { handler: () => {}, metrics: { received() {} } as never })).toThrow(
      InvalidOptionError,
    );
  });
});

describe('useMetrics()', () => {
  it('attaches metrics to a consumer built without them, before start()', async () => {
    const source = new RecordingSource<number>();
    source.sendMany([1, 2, 3]);
    const consumer = new Consumer(source, { ...quiet, handler: (bulk) => void [...bulk] });
    const metrics = new CountingMetrics();
    expect(consumer.useMetrics(metrics).metrics).toBe(metrics);
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(metrics.receivedCount).toBe(3);
    expect(metrics.total('consumed')).toBe(3);
    expect(() => consumer.useMetrics(metrics)).toThrow(/before start\(\)/);
    expect(() => new Consumer(source, { ...quiet, handler: () => {} }).useMetrics({} as never)).toThrow(InvalidOptionError);
  });
});
