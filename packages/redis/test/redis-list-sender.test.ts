import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { RedisListSender } from '@conveyor/redis';
import type { RedisListMessage, RedisListSource } from '@conveyor/redis';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Every message the source delivers until it is empty. */
async function takeAll<B>(source: RedisListSource<B>): Promise<RedisListMessage<B>[]> {
  const taken: RedisListMessage<B>[] = [];
  for (;;) {
    const batch = await source.get(neverAborted, { maxMessages: 10_000 });
    if (batch.length === 0) return taken;
    taken.push(...batch);
  }
}

describe('RedisListSender', () => {
  it("sends in the list source's layout, in order, across several pipelined script calls; the source consumes them", async () => {
    const source = sources.open({ maxMessagesPerGet: 5000 });
    const sender = new RedisListSender(redis, { key: source.key });
    const bodies = Array.from({ length: 2500 }, (_, n) => `message ${n}`); // 3 script calls of at most 1,000
    const ids = await sender.send(bodies);
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    // The layout: an id entry per message in the list, the body once in the bodies hash.
    expect(await redis.llen(source.key)).toBe(2500);
    expect(await redis.hget(source.keys.bodies, ids[7] as string)).toBe('message 7');
    const delivered = await takeAll(source);
    expect(delivered.map((message) => message.body)).toEqual(bodies);
    expect(delivered.map((message) => message.id)).toEqual(ids);
    await source.cleanup(delivered);
    expect(await redis.exists(source.keys.bodies, source.keys.list)).toBe(0);
    expect(await sender.send([])).toEqual([]);
  });

  it('is binary-safe: Buffer and Uint8Array bodies arrive byte for byte, a leading 0x00 and invalid UTF-8 included', async () => {
    const source = sources.open<Buffer>({ bodyFormat: 'buffer' });
    const sender = new RedisListSender(redis, { key: source.key });
    const bytes = [Buffer.from([0x00, 0xff, 0xfe, 0x0a]), new Uint8Array([1, 2, 3]).subarray(1), Buffer.alloc(0), 'text é'];
    await sender.send(bytes);
    const delivered = await takeAll(source);
    expect(delivered.map((message) => [...message.body])).toEqual([[0x00, 0xff, 0xfe, 0x0a], [2, 3], [], [...Buffer.from('text é')]]);
    await source.cleanup(delivered);
  });

  it('stores the trace context with the messages; the source reads it back, and it goes with the body when consumed or dead', async () => {
    const source = sources.open({ maxReceiveCount: 1 });
    const untraced = new RedisListSender(redis, { key: source.key });
    await untraced.send(['before']);
    expect(await redis.hget(source.keys.meta, 'traced')).toBeNull(); // a list never traced reads no trace fields
    let calls = 0;
    const sender = new RedisListSender(redis, {
      key: source.key,
      traceContext: () => {
        calls++;
        return { traceparent, tracestate: 'vendor=1,other=2' };
      },
    });
    await sender.send(['traced', 'poison']);
    expect(calls).toBe(1);
    const delivered = await takeAll(source);
    expect(delivered.map((message) => [message.body, source.traceContext(message)])).toEqual([
      ['before', undefined],
      ['traced', { traceparent, tracestate: 'vendor=1,other=2' }],
      ['poison', { traceparent, tracestate: 'vendor=1,other=2' }],
    ]);
    await source.cleanup(delivered.slice(0, 2));
    await source.release(delivered.slice(2), new Error('poison'));
    expect(await source.deadLetters()).toHaveLength(1);
    // No body and no trace field is left behind.
    expect(await redis.hlen(source.keys.bodies)).toBe(0);
  });

  it('refuses what it cannot send, naming it', async () => {
    const source = sources.open();
    expect(() => new RedisListSender(redis, { key: '' })).toThrow(InvalidOptionError);
    expect(() => new RedisListSender({} as never, { key: source.key })).toThrow(InvalidOptionError);
    expect(() => new RedisListSender(redis, { key: source.key, traceContext: 'x' as never })).toThrow(/traceContext/);
    const sender = new RedisListSender(redis, { key: source.key });
    await expect(sender.send([42 as never])).rejects.toThrow(/bodies\[0\]/);
    await expect(sender.send('text' as never)).rejects.toThrow(TypeError);
  });
});
