import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import type { MemoryMessage } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { quiet } from './helpers.js';

describe('the lease keeper', () => {
  it('a buffer that takes longer than the visibility timeout to work off causes no redelivery', async () => {
    // Visibility 300 ms; 40 messages taken at once, 20 ms of work each on one handler (~0.8 s in all).
    const source = new MemorySource<number>({ waitTime: 5, visibilityTimeout: 300 });
    source.sendMany(Array.from({ length: 40 }, (_, n) => n));
    const deliveries = new Map<number, number>();
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 1,
      maxHandlers: 1,
      bulkSize: 1,
      maxInFlight: 100,
      async handler(bulk) {
        for (const message of bulk) deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(deliveries.size).toBe(40);
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
  });

  it('renews half-way through the lease, on the consumer clock, only what is still held', async () => {
    const clock = new ManualClock(0);
    const extended: number[][] = [];
    const source = new (class extends MemorySource<number> {
      override extend(messages: MemoryMessage<number>[]): void {
        extended.push(messages.map((message) => message.id));
        super.extend(messages);
      }
    })({ waitTime: 0, visibilityTimeout: 1_000, clock });
    source.sendMany([1, 2, 3]);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const consumer = new Consumer(source, {
      ...quiet,
      clock,
      maxPollers: 1,
      maxHandlers: 3,
      bulkSize: 1,
      async handler(bulk) {
        for (const message of bulk) if (message.body !== 1) await stuck;
      },
    });
    await consumer.start();
    for (let step = 0; step < 20 && source.consumedCount < 1; step++) await clock.advance(10);
    await clock.advance(600);
    expect(extended.at(-1)).toEqual([2, 3]);
    await clock.advance(3_000);
    expect(source.inFlight).toBe(2); // still held: never expired
    expect(source.size).toBe(0);
    release();
    await source.drained();
    await consumer.shutdown();
  });
});
