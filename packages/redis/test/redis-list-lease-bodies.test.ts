import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MessageNotTakenError } from '@conveyor/core';
import { RedisListSender } from '@conveyor/redis';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

// In flight, a delivery's lease holds its bodies (moved out of the bodies hash by list-get-8.lua), so that a
// cleanup only flips bits. These tests hold the paths that must put a body back, or find it elsewhere.
const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('RedisListSource leases that hold their bodies', () => {
  it('gives back a lapsed delivery of @conveyor/redis 0.1 (its bodies in the bodies hash): counted, or dead at the limit', async () => {
    const source = sources.open({ maxReceiveCount: 2, visibilityTimeout: 60_000 });
    const { keys } = source;
    // As 0.1 left it: delivery 5 of ids 1, 2 (settled: its body deleted) and 3 (received once before), lapsed.
    await redis.hset(keys.bodies, '1', 'old-a', '3', 'old-c');
    await redis.hset(keys.leases, '5', '\u00001,\u00002,\u00003:1', '5!', Buffer.from([0xfa]));
    await redis.zadd(keys.processing, 1, '5');
    await redis.hset(keys.meta, 'ids', '3', 'deliveries', '5', 'inflight', '2');
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => [message.id, message.body, message.receiveCount])).toEqual([['1', 'old-a', 2]]);
    const [dead] = await source.deadLetters();
    expect([dead?.id, dead?.body.toString(), dead?.receiveCount]).toEqual(['3', 'old-c', 2]);
    expect(await redis.exists(keys.processing, keys.bodies)).toBe(0);
    expect(await redis.hexists(keys.leases, '5')).toBe(0);
    await source.cleanup(delivered);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 1 });
    expect(await redis.exists(keys.leased, keys.leases)).toBe(0);
  });

  it('a consumer of 0.1 on the same list never gives back a lease that holds its bodies, and takes what the new one gave back', async () => {
    const source = sources.open({ visibilityTimeout: 100 });
    const { keys } = source;
    await source.send('a', 'b', 'c');
    const delivered = await source.get(neverAborted, { maxMessages: 2 });
    await source.release([delivered[1]!], new MessageNotTakenError()); // 'b' back, its body in the hash again
    await new Promise((resolve) => setTimeout(resolve, 150)); // 'a' lapses
    // 0.1's get script (test/fixtures/redis-0.1): it reads the processing set, never the leased one.
    const legacyGet = readFileSync(new URL('./fixtures/redis-0.1/list-get-7.lua', import.meta.url), 'utf8');
    const legacyKeys = [keys.list, keys.bodies, keys.processing, keys.leases, keys.delayed, keys.meta, keys.dead];
    const reply = (await redis.eval(legacyGet, legacyKeys.length, ...legacyKeys, 60_000, 10, 0)) as string[];
    expect([reply[1]?.split(',').length, reply.at(-1)]).toEqual([2, 'bc']);
    expect(await redis.llen(keys.dead)).toBe(0); // 'a' was not taken for an entry without a body
    expect(await redis.zrange(keys.leased, 0, -1)).toEqual([delivered[0]!.receipt.split(':')[0]]);
    // The new consumer gives the lapsed delivery back, body and all.
    const again = await source.get(neverAborted, { maxMessages: 10 });
    expect(again.map((message) => [message.body, message.receiveCount])).toEqual([['a', 2]]);
    await source.cleanup(again);
    expect(await redis.exists(keys.leased)).toBe(0);
  });

  it('a traced message given back keeps its body and trace context: released, then lapsed', async () => {
    const source = sources.open({ retryBackoff: false, visibilityTimeout: 100 });
    const sender = new RedisListSender(redis, { key: source.key, traceContext: () => ({ traceparent }) });
    await sender.send(['first', 'second']);
    const delivered = await source.get(neverAborted, { maxMessages: 2 });
    expect(await redis.hlen(source.keys.bodies)).toBe(0); // bodies and trace fields moved to the lease
    await source.release([delivered[1]!], new MessageNotTakenError());
    await source.release([delivered[0]!], new Error('failed'));
    const again = await source.get(neverAborted, { maxMessages: 2 });
    expect(again.map((message) => [message.body, message.receiveCount, source.traceContext(message)?.traceparent])).toEqual([
      ['first', 2, traceparent],
      ['second', 1, traceparent],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 150)); // its visibility lapses
    const third = await source.get(neverAborted, { maxMessages: 2 });
    expect(third.map((message) => [message.body, message.receiveCount, source.traceContext(message)?.traceparent])).toEqual([
      ['first', 3, traceparent],
      ['second', 2, traceparent],
    ]);
    await source.cleanup(third);
    expect(await redis.exists(source.keys.bodies, source.keys.leased, source.keys.leases)).toBe(0);
  });

  it('a cleanup settles each receipt once, across deliveries, in any order', async () => {
    const source = sources.open();
    await source.send('a', 'b', 'c', 'd', 'e');
    const first = await source.get(neverAborted, { maxMessages: 3 });
    const second = await source.get(neverAborted, { maxMessages: 3 });
    await source.cleanup([second[1]!, first[2]!, first[2]!, second[0]!, first[0]!]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 1, deadLetters: 0 });
    await source.cleanup([...first, ...second]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
    expect(await redis.exists(source.keys.leased, source.keys.leases, source.keys.bodies)).toBe(0);
  });

  it('a delivery holds at most so many bytes of bodies: the entries past them go back to the head, in order', async () => {
    const source = sources.open();
    const [first, second] = await source.send('aaaaaa', 'bbbbbb');
    await redis.rpush(source.key, 'cccccc'); // a raw body past the limit is not adopted yet
    const keys = source.keys;
    const script = readFileSync(new URL('../lua/list-get-8.lua', import.meta.url), 'utf8');
    const getKeys = [keys.list, keys.bodies, keys.processing, keys.leases, keys.delayed, keys.meta, keys.dead, keys.leased];
    const reply = (await redis.eval(script, getKeys.length, ...getKeys, 60_000, 10, 0, 10)) as string[];
    expect(reply.slice(1)).toEqual([first, '', '6', '', 'aaaaaa']);
    expect(await redis.lrange(keys.list, 0, -1)).toEqual([`\u0000${second}`, 'cccccc']);
    const rest = await source.get(neverAborted, { maxMessages: 10 });
    expect(rest.map((message) => [message.body, message.receiveCount])).toEqual([
      ['bbbbbb', 1],
      ['cccccc', 1],
    ]);
    await source.cleanup(rest);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 1, deadLetters: 0 });
  });
});
