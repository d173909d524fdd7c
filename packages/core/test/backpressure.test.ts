import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { FlightGate } from '../src/pipeline/flight-gate.js';
import { FlightWindow } from '../src/pipeline/flight-window.js';
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

describe('the adaptive in-flight limit (maxInFlight unset)', () => {
  it('starts at the floor, deepens to the ceiling for a fast pipeline and falls back for a slow one', async () => {
    const clock = new ManualClock();
    const gate = new FlightGate(1024);
    const window = new FlightWindow(gate, 1024, 4096, clock);
    expect(gate.limit).toBe(1024);
    // 50,000 messages a second: 250 ms of them is 12,500, past the ceiling.
    for (let step = 0; step < 10; step++) {
      await clock.advance(10);
      window.settled(500);
    }
    expect(gate.limit).toBe(4096);
    // 2,000 messages a second: 500, under the floor.
    await clock.advance(500);
    window.settled(1000);
    expect(gate.limit).toBe(1024);
    // 10,000 a second: 2,500, in between.
    await clock.advance(200);
    window.settled(2000);
    expect(gate.limit).toBe(2500);
  });

  it('wakes pollers waiting for room when the limit grows', async () => {
    const gate = new FlightGate(2);
    gate.add(2);
    let woke = false;
    const waiting = gate.waitForRoom(new AbortController().signal).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    gate.resize(4);
    await waiting;
    expect(woke).toBe(true);
    expect(gate.share(2)).toBe(2);
  });

  it('is fixed when maxInFlight is given, and adaptive from max(1024, 4 × maxHandlers × bulkSize) when not', () => {
    const fixed = new Consumer(new MemorySource<number>(), { ...quiet, handler: () => {}, maxInFlight: 300 });
    expect([fixed.options.inFlightFloor, fixed.options.maxInFlight]).toEqual([300, 300]);
    // Up to room for two parcels of 2,048 a handler slot and one being packed...
    const adaptive = new Consumer(new MemorySource<number>(), { ...quiet, handler: () => {}, maxHandlers: 4, bulkSize: 100 });
    expect([adaptive.options.inFlightFloor, adaptive.options.maxInFlight]).toEqual([1600, 9 * 2048]);
    // ...or 4 times the floor, when that is more.
    const large = new Consumer(new MemorySource<number>(), { ...quiet, handler: () => {}, maxHandlers: 2, bulkSize: 1024 });
    expect([large.options.inFlightFloor, large.options.maxInFlight]).toEqual([8192, 4 * 8192]);
  });

  it('never lets more than the ceiling be in flight while it adapts', async () => {
    const source = new MemorySource<number>({ waitTime: 10 });
    source.sendMany(Array.from({ length: 20_000 }, (_, n) => n));
    let peak = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 2,
      maxHandlers: 2,
      bulkSize: 64,
      handler(bulk) {
        peak = Math.max(peak, source.inFlight);
        for (const message of bulk) void message;
      },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(source.consumedCount).toBe(20_000);
    expect(peak).toBeLessThanOrEqual(consumer.options.maxInFlight);
    expect(consumer.stats.inFlightLimit).toBeGreaterThanOrEqual(consumer.options.inFlightFloor);
    expect(consumer.stats.inFlightLimit).toBeLessThanOrEqual(consumer.options.maxInFlight);
  });
});
