import { describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { MemoryLock, MemoryStorage, Queue, ShardedSource } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';
import { Ordered } from './fixtures/ordered-handler.js';
import type { OrderedRequest } from './fixtures/ordered-handler.js';
import { until } from './helpers.js';

describe('ShardedSource under a Consumer with pool threads', () => {
  it('handles every request on the pool, keeping per-thread order through failures', async () => {
    const queue = new Queue(new MemoryStorage(), { requestHandlers: [Ordered] });
    const threads = 8;
    const count = 400;
    await queue.registerMany(
      Ordered,
      Array.from({ length: count }, (_, n) => ({ n, thread: n % threads })),
    );
    const source = new ShardedSource<OrderedRequest>(queue, new MemoryLock(), {
      logger: silentLogger,
      maxMessagesPerGet: 16,
      waitTime: 20,
      retryBackoff: { baseMs: 50, capMs: 200 },
    });
    const consumer = new Consumer<ShardedMessage<OrderedRequest>>(source, {
      handlerModule: new URL('./fixtures/ordered-handler.ts', import.meta.url),
      bulkSize: 16,
      maxPollers: 4,
      maxHandlers: 2,
      logger: silentLogger,
    });
    const consumed: OrderedRequest[] = [];
    let failed = 0;
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body)));
    consumer.on('failed', (messages) => (failed += messages.length));
    await consumer.start();
    try {
      await until(() => consumed.length >= count, 30_000, 'every request to be consumed');
    } finally {
      await consumer.shutdown();
    }
    expect(failed).toBeGreaterThan(0);
    expect(new Set(consumed.map((request) => request.n)).size).toBe(count);
    expect(consumed).toHaveLength(count);
    for (let thread = 0; thread < threads; thread++) {
      const order = consumed.filter((request) => request.thread === thread).map((request) => request.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(await queue.length(Ordered, { thread })).toBe(0);
    }
  }, 60_000);
});

describe('ShardedSource leases under the consumer', () => {
  it('keeps deliveries open while handlers outlast visibilityTimeout: the lease keeper renews them, nothing is delivered twice', async () => {
    const queue = new Queue(new MemoryStorage(), { requestHandlers: [Ordered] });
    const count = 24;
    await queue.registerMany(
      Ordered,
      Array.from({ length: count }, (_, n) => ({ n, thread: n % 2 })),
    );
    const source = new ShardedSource<OrderedRequest>(queue, new MemoryLock(), {
      logger: silentLogger,
      maxMessagesPerGet: 12,
      waitTime: 20,
      visibilityTimeout: 300,
    });
    expect(source.leaseDuration()).toBe(300);
    const seen: number[] = [];
    // Each bulk of 6 takes ~900 ms: three visibility windows.
    const consumer = new Consumer<ShardedMessage<OrderedRequest>>(source, {
      executor: 'inline',
      maxHandlers: 2,
      bulkSize: 6,
      logger: silentLogger,
      async handler(bulk) {
        for (const message of bulk) {
          seen.push(message.body.n);
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      },
    });
    await consumer.start();
    try {
      await until(() => consumer.stats.consumed >= count, 30_000, 'every request to be consumed');
    } finally {
      await consumer.shutdown();
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(await queue.length(Ordered, { thread: 0 })).toBe(0);
    expect(await queue.length(Ordered, { thread: 1 })).toBe(0);
  }, 30_000);
});
