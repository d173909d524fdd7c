import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import { quiet } from './helpers.js';

describe('backpressure', () => {
  it('never has more than maxInFlight messages received and unsettled', async () => {
    const source = new MemorySource<number>({ waitTime: 10 });
    source.sendMany(Array.from({ length: 300 }, (_, n) => n));
    let peak = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 4,
      maxHandlers: 3,
      bulkSize: 5,
      maxInFlight: 20,
      async handler(bulk) {
        peak = Math.max(peak, source.inFlight);
        for (const message of bulk) void message;
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(source.consumedCount).toBe(300);
    expect(peak).toBeGreaterThan(5);
    expect(peak).toBeLessThanOrEqual(20);
  });

  it('asks get() for no more than the room left', async () => {
    const hints: number[] = [];
    const source = new MemorySource<number>({ waitTime: 10 });
    source.sendMany(Array.from({ length: 50 }, (_, n) => n));
    const watched = {
      get: (signal: AbortSignal, hint: { maxMessages: number }) => {
        hints.push(hint.maxMessages);
        return source.get(signal, hint);
      },
      cleanup: source.cleanup.bind(source),
      release: source.release.bind(source),
    };
    const consumer = new Consumer(watched, { ...quiet, maxPollers: 2, maxInFlight: 8, handler: (bulk) => void [...bulk] });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(Math.max(...hints)).toBeLessThanOrEqual(8);
  });

  it('lets every poller long-poll at once: each reserves its share of maxInFlight, not all of it', async () => {
    let waiting = 0;
    const hints: number[] = [];
    const longPolling = {
      get: (signal: AbortSignal, hint: { maxMessages: number }) => {
        waiting++;
        hints.push(hint.maxMessages);
        return new Promise<number[]>((resolve) => signal.addEventListener('abort', () => resolve([]), { once: true }));
      },
    };
    const consumer = new Consumer(longPolling, { ...quiet, handler: () => {}, maxPollers: 4, maxInFlight: 100 });
    await consumer.start();
    const deadline = Date.now() + 5_000;
    while (waiting < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await consumer.shutdown();
    expect(waiting).toBe(4);
    expect(hints).toEqual([25, 25, 25, 25]);
  });
});
