import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import type { Bulk, ConsumerMetrics, MemoryMessage, SettledSample } from '@conveyor/core';
import { quiet, until } from './helpers.js';

function recorder(): ConsumerMetrics & { samples: SettledSample[] } {
  const samples: SettledSample[] = [];
  return { samples, received() {}, settleError() {}, settled: (sample) => void samples.push(sample) };
}

/** Drains `count` numbered messages through an inline consumer: each call's bulk size, what each parcel carried, what was consumed. */
async function drain(
  count: number,
  handler: (bulk: Bulk<MemoryMessage<number>>, call: number) => void | Promise<void>,
  options: { rateLimit?: { messages: number; per: number } } = {},
): Promise<{ samples: SettledSample[]; calls: number[]; consumed: Map<number, number> }> {
  const source = new MemorySource<number>({ waitTime: 5, retryBackoff: false });
  source.sendMany(Array.from({ length: count }, (_, n) => n));
  const metrics = recorder();
  const calls: number[] = [];
  const consumed = new Map<number, number>();
  const consumer = new Consumer(source, {
    ...quiet,
    bulkSize: 10,
    maxHandlers: 1,
    metrics,
    ...options,
    handler: (bulk) => {
      calls.push(bulk.size);
      return handler(bulk, calls.length);
    },
  });
  consumer.on('consumed', (messages) => {
    for (const message of messages) consumed.set(message.body, (consumed.get(message.body) ?? 0) + 1);
  });
  await consumer.start();
  await source.drained();
  await consumer.shutdown();
  return { samples: metrics.samples, calls, consumed };
}

const takeAll = (bulk: Bulk<MemoryMessage<number>>): void => {
  for (const message of bulk) void message;
};

describe('inline parcels', () => {
  it('a synchronous handler: once its first bulk ran, a parcel carries several bulks; each call still sees one bulk', async () => {
    const { samples, calls, consumed } = await drain(5_000, takeAll);
    expect(consumed.size).toBe(5_000);
    expect([...consumed.values()].every((times) => times === 1)).toBe(true);
    expect(calls.every((size) => size <= 10)).toBe(true);
    expect(samples[0]?.bulks).toBe(1);
    // One bulk a parcel would be 500 parcels (a parcel spanning two get() results may carry two bulks).
    expect(Math.max(...samples.map((sample) => sample.bulks))).toBeGreaterThan(4);
    expect(samples.length).toBeLessThan(250);
  });

  it('throws and marks inside packed parcels follow the iterator rule bulk by bulk', async () => {
    const deliveries = new Map<number, number>();
    const { consumed, samples } = await drain(3_000, (bulk) => {
      for (const message of bulk) {
        deliveries.set(message.body, message.receiveCount);
        if (message.receiveCount > 1) continue;
        if (message.body % 97 === 0) throw new Error(`fail ${message.body}`);
        if (message.body % 89 === 0) bulk.fail(message, new Error('marked'));
      }
    });
    expect(Math.max(...samples.map((sample) => sample.bulks))).toBeGreaterThan(4);
    expect(consumed.size).toBe(3_000);
    expect([...consumed.values()].every((times) => times === 1)).toBe(true);
    // Charged a receive: only the thrown-on and the marked (the rest of a bulk after a throw went back uncharged).
    for (const [n, receives] of deliveries) expect(receives).toBe(n % 97 === 0 || n % 89 === 0 ? 2 : 1);
  });

  it('a handler that returns a promise: one bulk a parcel, from its first promise on', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    const metrics = recorder();
    let waits = false;
    const consumer = new Consumer(source, {
      ...quiet,
      bulkSize: 10,
      metrics,
      handler: (bulk) => {
        for (const message of bulk) void message;
        return waits ? Promise.resolve() : undefined;
      },
    });
    await consumer.start();
    source.sendMany(Array.from({ length: 2_000 }, (_, n) => n));
    await source.drained();
    expect(Math.max(...metrics.samples.map((sample) => sample.bulks))).toBeGreaterThan(4);
    waits = true;
    source.sendMany([-1]); // the first bulk whose handler call returns a promise
    await source.drained();
    const consumedSoFar = (): number => metrics.samples.reduce((sum, sample) => sum + sample.consumed, 0);
    await until(() => consumedSoFar() === 2_001, 5_000, 'the sample of that bulk');
    const before = metrics.samples.length;
    source.sendMany(Array.from({ length: 1_000 }, (_, n) => n));
    await until(() => consumedSoFar() === 3_001, 5_000, 'every sample');
    await consumer.shutdown();
    const after = metrics.samples.slice(before);
    expect(after.reduce((sum, sample) => sum + sample.consumed, 0)).toBe(1_000);
    expect(after.every((sample) => sample.bulks === 1)).toBe(true);
  });

  it('with a rate limit, one bulk a parcel: the tokens pace bulk by bulk', async () => {
    const { samples, consumed } = await drain(500, takeAll, { rateLimit: { messages: 1_000_000, per: 1_000 } });
    expect(consumed.size).toBe(500);
    expect(samples.every((sample) => sample.bulks === 1)).toBe(true);
  });
});
