import { describe, expect, it } from 'vitest';
import { Consumer, InvalidOptionError, MemorySource } from '@conveyor/core';
import type { GetHint, MemoryMessage, RateLimiter } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { quiet, until } from './helpers.js';

/** A MemorySource that counts its get() calls. */
class CountingSource extends MemorySource<number> {
  gets = 0;
  override get(signal: AbortSignal, hint?: GetHint): Promise<MemoryMessage<number>[]> {
    this.gets++;
    return super.get(signal, hint);
  }
}

describe('pause() and resume()', () => {
  it('stop taking new messages without shutting down; bulks in flight finish; resume goes on', async () => {
    const source = new CountingSource({ waitTime: 5 });
    source.sendMany(Array.from({ length: 50 }, (_, n) => n));
    let handled = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 1,
      bulkSize: 1,
      maxInFlight: 5,
      async handler(bulk) {
        for (const message of bulk) void message;
        handled++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    const events: string[] = [];
    consumer.on('paused', () => events.push('paused'));
    consumer.on('resumed', () => events.push('resumed'));
    await consumer.start();
    await until(() => handled >= 10, 5_000, 'some progress');
    consumer.pause();
    consumer.pause();
    expect(consumer.stats.paused).toBe(true);
    await until(() => consumer.stats.inFlight === 0, 5_000, 'in-flight bulks to finish');
    const [gets, done] = [source.gets, handled];
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(source.gets).toBe(gets);
    expect(handled).toBe(done);
    expect(source.size).toBeGreaterThan(0);
    consumer.resume();
    expect(consumer.stats.paused).toBe(false);
    await source.drained();
    await consumer.shutdown();
    expect(handled).toBe(50);
    expect(events).toEqual(['paused', 'resumed']);
  });
});

describe('rateLimit', () => {
  it('{ messages, per } paces the whole consumer (a token bucket on the consumer clock)', async () => {
    const clock = new ManualClock(0);
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany(Array.from({ length: 35 }, (_, n) => n));
    let handled = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      bulkSize: 1,
      rateLimit: { messages: 10, per: 1_000 },
      clock,
      handler: (bulk) => {
        for (const message of bulk) void message;
        handled++;
      },
    });
    await consumer.start();
    await until(() => handled === 10, 5_000, 'the first ten');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(handled).toBe(10); // the bucket is empty until time passes
    await clock.advance(500);
    await until(() => handled === 15, 5_000, 'five more after half a second');
    await clock.advance(2_000);
    await until(() => handled === 35, 5_000, 'the rest');
    await consumer.shutdown();
  });

  it('accepts a RateLimiter (e.g. one shared between processes) and validates the option', async () => {
    const asked: number[] = [];
    const limiter: RateLimiter = { capacity: 4, acquire: async (count) => void asked.push(count) };
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany(Array.from({ length: 12 }, (_, n) => n));
    const consumer = new Consumer(source, { ...quiet, bulkSize: 4, rateLimit: limiter, handler: (bulk) => void [...bulk] });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(asked.reduce((sum, count) => sum + count, 0)).toBe(12);
    expect(Math.max(...asked)).toBeLessThanOrEqual(4);
    const bad = (rateLimit: unknown) => (): unknown => new Consumer(source, { ...quiet, handler: () => {}, rateLimit: rateLimit as never });
    expect(bad({ messages: 0, per: 1000 })).toThrow(InvalidOptionError);
    expect(bad({ messages: 10 })).toThrow(/rateLimit/);
    expect(bad({ messages: 10, per: 1000, burst: 3 })).toThrow(/rateLimit\.burst/);
  });
});
