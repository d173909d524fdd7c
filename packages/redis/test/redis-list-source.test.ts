import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { RedisListSource, deleteByPrefix } from '@conveyor/redis';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
const prefixes: string[] = [];
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deleteByPrefix(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

function open(options: { visibilityTimeout?: number; maxReceiveCount?: number } = {}): RedisListSource {
  const prefix = uniquePrefix('list');
  prefixes.push(prefix);
  return new RedisListSource(redis, { key: `${prefix}jobs`, waitTime: 0, ...options });
}

const signal = new AbortController().signal;

describe('RedisListSource', () => {
  it('gives released messages back at the head, in their order, with a receive count', async () => {
    const source = open();
    await source.send('a', 'b', 'c', 'd');
    const first = await source.get(signal, { maxMessages: 3 });
    expect(first.map((message) => message.body)).toEqual(['a', 'b', 'c']);
    await source.cleanup([first[1]!]);
    await source.release([first[2]!, first[0]!], new Error('failed'));
    const again = await source.get(signal, { maxMessages: 10 });
    expect(again.map((message) => [message.body, message.receiveCount])).toEqual([
      ['a', 2],
      ['c', 2],
      ['d', 1],
    ]);
    await source.cleanup(again);
    expect(await source.size()).toBe(0);
    expect(await source.inFlight()).toBe(0);
  });

  it('dead-letters a message released maxReceiveCount times', async () => {
    const source = open({ maxReceiveCount: 2 });
    await source.send('poison');
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [message] = await source.get(signal);
      expect(message?.receiveCount).toBe(attempt);
      await source.release([message!], new Error(`attempt ${attempt}`));
    }
    expect(await source.get(signal)).toEqual([]);
    expect(await source.deadLetters()).toMatchObject([{ message: 'poison', reason: 'Error: attempt 2', receives: 2 }]);
  });

  it('ignores a late cleanup of a delivery that expired and went back', async () => {
    const source = open({ visibilityTimeout: 100 });
    await source.send('slow');
    const [late] = await source.get(signal);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [again] = await source.get(signal);
    expect(again?.body).toBe('slow');
    await source.cleanup([late!]);
    expect(await source.inFlight()).toBe(1);
    await source.cleanup([again!]);
    expect(await source.inFlight()).toBe(0);
  });

  it('validates its options', () => {
    expect(() => new RedisListSource(redis, { key: '' })).toThrow(InvalidOptionError);
    expect(() => new RedisListSource(redis, { key: 'k', maxReceiveCount: 0 })).toThrow(/maxReceiveCount/);
    expect(() => new RedisListSource({} as never, { key: 'k' })).toThrow(/ioredis client/);
  });
});
