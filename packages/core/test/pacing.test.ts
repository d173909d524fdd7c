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

describe('keyRateLimit', () => {
  it('paces each key on a MemorySource: a hot key waits aside for its tokens while the others run', async () => {
    const clock = new ManualClock(0);
    const source = new MemorySource<{ key: string; n: number }>({ waitTime: 5, orderingKey: (body) => body.key });
    source.sendMany([
      ...Array.from({ length: 6 }, (_, n) => ({ key: 'hot', n })),
      ...Array.from({ length: 8 }, (_, n) => ({ key: `k${n}`, n })),
    ]);
    const handled: string[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      clock,
      keyRateLimit: { messages: 1, per: 1_000 },
      handler: (bulk) => {
        for (const message of bulk) handled.push(`${message.body.key}:${message.body.n}`);
      },
    });
    await consumer.start();
    await until(() => handled.length === 9, 5_000, 'one of the hot key and every other key');
    expect(handled.filter((entry) => entry.startsWith('hot'))).toEqual(['hot:0']);
    for (let second = 1; second <= 5; second++) {
      await clock.advance(1_000);
      await until(() => handled.length === 9 + second, 5_000, `the hot key's message of second ${second}`);
    }
    expect(handled.filter((entry) => entry.startsWith('hot'))).toEqual(['hot:0', 'hot:1', 'hot:2', 'hot:3', 'hot:4', 'hot:5']);
    await source.drained();
    await consumer.shutdown();
  });

  it('is validated: an object { messages, per }, and only where messages have ordering keys', () => {
    const source = new MemorySource<number>();
    const keyed = new MemorySource<number>({ orderingKey: (n) => n });
    const make = (given: MemorySource<number>, options: Record<string, unknown>) => (): unknown =>
      new Consumer(given, { ...quiet, handler: () => {}, ...options });
    expect(make(keyed, { keyRateLimit: { messages: 0, per: 1000 } })).toThrow(/`keyRateLimit\.messages` to be a positive integer/);
    expect(make(keyed, { keyRateLimit: { messages: 5 } })).toThrow(/`keyRateLimit` to be an object like \{ messages: 100, per: 1000 \}/);
    expect(make(keyed, { keyRateLimit: { messages: 5, per: 1000, perKey: true } })).toThrow(/keyRateLimit\.perKey/);
    expect(make(source, { keyRateLimit: { messages: 5, per: 1000 } })).toThrow(/`orderingKey` function/);
    expect(make(keyed, { keyRateLimit: { messages: 5, per: 1000 }, orderingKey: false })).toThrow(/`orderingKey` is false/);
    expect(make(source, { keyRateLimit: { messages: 5, per: 1000 }, orderingKey: (n: number) => n })).not.toThrow();
    expect(make(keyed, { keyRateLimit: { messages: 5, per: 1000 } })).not.toThrow();
  });
});
