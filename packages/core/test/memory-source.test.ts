import { describe, expect, it } from 'vitest';
import { Consumer, InvalidOptionError, MemorySource } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { quiet } from './helpers.js';

describe('MemorySource', () => {
  it('moves a poison message to deadLetters after maxReceiveCount deliveries, and the rest go on', async () => {
    const source = new MemorySource<string>({ waitTime: 5, maxReceiveCount: 3 });
    source.sendMany(['good-1', 'poison', 'good-2']);
    const seen: string[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 1,
      handler(bulk) {
        for (const message of bulk) {
          seen.push(message.body);
          if (message.body === 'poison') bulk.fail(message, new Error('cannot parse'));
        }
      },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(source.consumedCount).toBe(2);
    expect(source.deadLetters).toHaveLength(1);
    expect(source.deadLetters[0]!.message.body).toBe('poison');
    expect(source.deadLetters[0]!.message.receiveCount).toBe(3);
    expect((source.deadLetters[0]!.error as Error).message).toBe('cannot parse');
    expect(seen.filter((body) => body === 'poison')).toHaveLength(3);
  });

  it('ignores a stale cleanup after the visibility timeout gave the message to someone else', async () => {
    const clock = new ManualClock();
    const source = new MemorySource<string>({ waitTime: 0, visibilityTimeout: 20_000, clock });
    source.send('slow');
    const signal = new AbortController().signal;
    const [first] = await source.get(signal, { maxMessages: 1 });
    await clock.advance(19_999);
    expect(await source.get(signal, { maxMessages: 1 })).toEqual([]);
    await clock.advance(1);
    const [second] = await source.get(signal, { maxMessages: 1 });
    expect(second!.receiveCount).toBe(2);
    source.cleanup([first!]); // stale: the first consumer was presumed dead
    expect(source.inFlight).toBe(1);
    source.cleanup([second!]);
    expect(source.inFlight).toBe(0);
    expect(source.consumedCount).toBe(1);
  });

  it('validates its options', () => {
    expect(() => new MemorySource({ maxMessagesPerGet: 0 })).toThrow(InvalidOptionError);
    expect(() => new MemorySource({ visibilityTimeout: -1 })).toThrow(/`visibilityTimeout`/);
    expect(() => new MemorySource({ maxReceiveCount: 0 })).toThrow(/`maxReceiveCount`/);
  });
});

describe('inspecting the source through the consumer', () => {
  it('consumer.inspectSource() reports the MemorySource depth', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany([1, 2, 3]);
    const consumer = new Consumer(source, { ...quiet, handler: (bulk) => void [...bulk] });
    expect(await consumer.inspectSource()).toMatchObject({ waiting: 3, inFlight: 0, deadLetters: 0 });
    await consumer.start();
    await source.drained();
    expect(await consumer.inspectSource()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0, oldestAgeMs: 0 });
    await consumer.shutdown();
    expect(await new Consumer({ get: () => [] }, { ...quiet, handler: () => {} }).inspectSource()).toBeUndefined();
  });
});
