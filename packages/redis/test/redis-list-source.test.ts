import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, MessageNotTakenError } from '@conveyor/core';
import { RedisListSource, redisListSourceDefaults } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';
import { Redis } from 'ioredis';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect, redisUrl } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

describe('RedisListSource', () => {
  it('delivers in order with an id, a receive count and a receipt, and acknowledges a batch in one call', async () => {
    const source = sources.open();
    const ids = await source.send('a', 'b', 'c', 'd');
    expect(ids).toHaveLength(4);
    const first = await source.get(neverAborted, { maxMessages: 3 });
    expect(first.map((message) => [message.id, message.body, message.receiveCount])).toEqual([
      [ids[0], 'a', 1],
      [ids[1], 'b', 1],
      [ids[2], 'c', 1],
    ]);
    expect(await source.inspect()).toEqual({ waiting: 1, inFlight: 3, deadLetters: 0 });
    await source.cleanup(first);
    const rest = await source.get(neverAborted, { maxMessages: 10 });
    expect(rest.map((message) => message.body)).toEqual(['d']);
    await source.cleanup(rest);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
    // Nothing is left behind but the counters.
    expect(await redis.exists(source.keys.list, source.keys.bodies, source.keys.leased, source.keys.leases, source.keys.delayed)).toBe(0);
  });

  it('a string that only contains a receipt settles nothing', async () => {
    const source = sources.open();
    await source.send('a', 'b');
    const delivered = await source.get(neverAborted, { maxMessages: 2 });
    const [first, second] = delivered as [RedisListMessage, RedisListMessage];
    await source.cleanup([
      { ...first, receipt: `x${first.receipt}` },
      { ...second, receipt: `${second.receipt.replace(':', '-')}:${second.receipt}` },
    ]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 2, deadLetters: 0 });
    await source.cleanup(delivered);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it('receipts name the delivery, the position and the message id, never the body; in flight, the lease holds each body once', async () => {
    const source = sources.open();
    const body = `a body long enough to be noticed ${'x'.repeat(200)}`;
    const [id] = await source.send(body, 'second');
    const delivered = await source.get(neverAborted, { maxMessages: 2 });
    const [message] = delivered;
    const delivery = message?.receipt.split(':')[0];
    expect(message?.receipt).toBe(`${delivery}:0:${id}`);
    expect(delivered[1]?.receipt).toBe(`${delivery}:1:${delivered[1]?.id}`);
    // In flight: one entry for the whole delivery; its lease holds its ids, a bitmap and the bodies, moved
    // out of the bodies hash (a cleanup only flips bits).
    expect(await redis.zrange(source.keys.leased, 0, -1)).toEqual([delivery]);
    const lease = await redis.hgetallBuffer(source.keys.leases);
    expect(Object.keys(lease).sort()).toEqual([`${delivery}`, `${delivery}!`, `${delivery}#`, `${delivery}$`]);
    expect(lease[`${delivery}`]?.toString()).toBe(`\0${id},\0${delivered[1]?.id}`);
    expect(lease[`${delivery}#`]?.toString()).toBe(`${body.length},6`);
    expect(lease[`${delivery}$`]?.toString()).toBe(`${body}second`);
    expect(await redis.exists(source.keys.bodies)).toBe(0);
    await source.cleanup([delivered[1]!]);
    expect(await redis.zrange(source.keys.leased, 0, -1)).toEqual([delivery]);
    await source.cleanup(delivered); // the second one again: ignored
    expect(await redis.exists(source.keys.leased, source.keys.leases, source.keys.bodies)).toBe(0);
    expect(await source.inFlight()).toBe(0);
  });

  it('an uncharged release goes back to the head at once, in send order, and does not count', async () => {
    const source = sources.open();
    await source.send('a', 'b', 'c');
    const delivered = await source.get(neverAborted, { maxMessages: 2 });
    await source.release([delivered[1]!, delivered[0]!], new MessageNotTakenError());
    const again = await source.get(neverAborted, { maxMessages: 10 });
    expect(again.map((message) => [message.body, message.receiveCount])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    await source.cleanup(again);
  });

  it('ignores a late cleanup or release of a delivery whose visibility lapsed', async () => {
    const source = sources.open({ visibilityTimeout: 100 });
    await source.send('slow');
    const [late] = await source.get(neverAborted);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [again] = await source.get(neverAborted);
    expect([again?.body, again?.receiveCount]).toEqual(['slow', 2]);
    await source.cleanup([late!]);
    await source.release([late!], new Error('late'));
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 1, deadLetters: 0 });
    await source.cleanup([again!]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it('a lapsed delivery gives back only the messages that were not settled, counted', async () => {
    const source = sources.open({ visibilityTimeout: 100 });
    await source.send('a', 'b', 'c', 'd');
    const delivered = await source.get(neverAborted, { maxMessages: 4 });
    await source.cleanup([delivered[1]!]);
    await source.release([delivered[3]!], new MessageNotTakenError());
    expect(await source.inspect()).toEqual({ waiting: 1, inFlight: 2, deadLetters: 0 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const again = await source.get(neverAborted, { maxMessages: 10 });
    expect(again.map((message) => [message.body, message.receiveCount])).toEqual([
      ['a', 2],
      ['c', 2],
      ['d', 1],
    ]);
    await source.cleanup(delivered); // all stale now
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 3, deadLetters: 0 });
    await source.cleanup(again);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it('a receipt settled once is stale: a cleanup after a release never deletes the message', async () => {
    const source = sources.open({ retryBackoff: false });
    await source.send('keep me');
    const [first] = await source.get(neverAborted);
    await source.release([first!], new Error('failed'));
    await source.cleanup([first!]);
    await source.release([first!], new Error('twice'));
    const [second] = await source.get(neverAborted);
    expect([second?.body, second?.receiveCount]).toEqual(['keep me', 2]);
    await source.cleanup([second!]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it('get() long-polls: a message sent while it waits is delivered', async () => {
    const source = sources.open({ waitTime: 2000 });
    const pending = source.get(neverAborted);
    setTimeout(() => void source.send('late'), 100);
    expect((await pending).map((message) => message.body)).toEqual(['late']);
  });

  it('has documented defaults', () => {
    expect(redisListSourceDefaults).toEqual({
      bodyFormat: 'text',
      maxMessagesPerGet: 512,
      waitTime: 1000,
      visibilityTimeout: 30_000,
      durableSend: false,
      partitions: 1,
      durableSendTimeoutMs: 1000,
    });
  });

  it('validates its options and its client', () => {
    expect(() => new RedisListSource(redis, { key: '' })).toThrow(InvalidOptionError);
    expect(() => new RedisListSource(redis, { key: 'k', maxReceiveCount: 0 })).toThrow(/maxReceiveCount/);
    expect(() => new RedisListSource(redis, { key: 'k', maxMessagesPerGet: 10_001 })).toThrow(/maxMessagesPerGet/);
    expect(() => new RedisListSource(redis, { key: 'k', bodyFormat: 'xml' as never })).toThrow(/bodyFormat/);
    expect(() => new RedisListSource(redis, { key: 'k', retryBackoff: { baseMs: -1, capMs: 1 } })).toThrow(/retryBackoff.baseMs/);
    expect(() => new RedisListSource(redis, { key: 'k', visiblityTimeout: 5 } as never)).toThrow(/did you mean `visibilityTimeout`/);
    expect(() => new RedisListSource({} as never, { key: 'k' })).toThrow(/ioredis client/);
  });

  it('rejects a client with a keyPrefix at construction', async () => {
    const prefixed = new Redis(redisUrl, { keyPrefix: 'app:', lazyConnect: true });
    try {
      expect(() => new RedisListSource(prefixed, { key: 'jobs' })).toThrow(InvalidOptionError);
      expect(() => new RedisListSource(prefixed, { key: 'jobs' })).toThrow(/keyPrefix/);
    } finally {
      prefixed.disconnect();
    }
  });
});
