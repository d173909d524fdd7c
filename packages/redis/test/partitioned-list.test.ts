// RedisPartitionedListSource on the shared Redis: how messages spread over the
// partitions, per-key order, and the turn pollers take.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { RedisListSender, RedisPartitionedListSource } from '@conveyor/redis';
import type { RedisListSourceOptions } from '@conveyor/redis';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
const opened: RedisPartitionedListSource<unknown>[] = [];
const signal = new AbortController().signal;

function open(options: Partial<RedisListSourceOptions> = {}): RedisPartitionedListSource {
  const source = new RedisPartitionedListSource(redis, {
    key: uniquePrefix('partitioned'),
    partitions: 3,
    waitTime: 0,
    logger: silentLogger,
    ...options,
  });
  opened.push(source);
  return source;
}

afterEach(async () => {
  for (const source of opened.splice(0)) await source.clear();
});
afterAll(async () => {
  await redis.quit();
});

async function sizes(source: RedisPartitionedListSource): Promise<number[]> {
  return Promise.all(source.partitions.map((partition) => partition.size()));
}

describe('RedisPartitionedListSource', () => {
  it('send() spreads calls round robin, and a long call in equal runs', async () => {
    const source = open();
    for (let n = 0; n < 6; n++) await source.send(`one-${n}`);
    expect(await sizes(source)).toEqual([2, 2, 2]);
    const ids = await source.send(...Array.from({ length: 9 }, (_, n) => `many-${n}`));
    expect(ids.map((id) => id.split('/')[0])).toEqual(['0', '0', '0', '1', '1', '1', '2', '2', '2']);
    expect(await sizes(source)).toEqual([5, 5, 5]);
  });

  it('sendByKey() keeps a key in one partition, in order', async () => {
    const source = open();
    const keys = ['alice', 'bob', 'carol', 'dave'];
    for (let n = 0; n < 20; n++) for (const key of keys) await source.sendByKey(key, `${key}-${n}`);
    const seen = new Map<string, number[]>();
    for (let batch = await source.get(signal); batch.length > 0; batch = await source.get(signal)) {
      for (const message of batch) {
        const [key, n] = message.body.split('-') as [string, string];
        expect(message.id.split('/')[0]).toBe(String(source.partitionOf(key)));
        seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
      }
      await source.cleanup(batch);
    }
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('each get() takes its turn at the next partition, skipping empty ones', async () => {
    const source = open({ maxMessagesPerGet: 5 });
    await source.partitions[0]!.send(...Array.from({ length: 20 }, (_, n) => `a-${n}`));
    await source.partitions[2]!.send(...Array.from({ length: 20 }, (_, n) => `c-${n}`));
    const from: string[] = [];
    for (let n = 0; n < 6; n++) {
      const batch = await source.get(signal);
      expect(batch).toHaveLength(5);
      from.push(batch[0]!.body[0]!);
      await source.cleanup(batch);
    }
    expect(from).toEqual(['a', 'c', 'a', 'c', 'a', 'c']);
  });

  it('settles each message in its own partition: release, dead letters, inspect', async () => {
    const source = open({ maxReceiveCount: 1 });
    await source.send('x', 'y', 'z');
    const delivered = [...(await source.get(signal)), ...(await source.get(signal)), ...(await source.get(signal))];
    expect(delivered.map((message) => message.body).sort()).toEqual(['x', 'y', 'z']);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 3, deadLetters: 0 });
    await source.cleanup(delivered.filter((message) => message.body === 'x'));
    await source.release(
      delivered.filter((message) => message.body !== 'x'),
      new Error('boom'),
    );
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 2 });
    const dead = await source.deadLetters();
    expect(dead.map((letter) => letter.body.toString()).sort()).toEqual(['y', 'z']);
    expect(dead.map((letter) => letter.id).sort()).toEqual(
      delivered
        .filter((message) => message.body !== 'x')
        .map((message) => message.id)
        .sort(),
    );
  });

  it('adopts raw bodies RPUSHed to a partition’s list', async () => {
    const source = open();
    await redis.rpush(source.partitionKeys[1]!.list, 'raw-1', 'raw-2');
    const batch = await source.get(signal);
    expect(batch.map((message) => message.body)).toEqual(['raw-1', 'raw-2']);
    expect(batch[0]!.id.startsWith('1/')).toBe(true);
    await source.cleanup(batch);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });
});

describe('trace context through a partition', () => {
  it("a message a RedisListSender wrote to one partition's list carries its trace context out of the partitioned source", async () => {
    const source = open();
    const partitionList = source.partitionKeys[1]?.list as string;
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const sender = new RedisListSender(redis, { key: partitionList, traceContext: () => ({ traceparent }) });
    await sender.send(['traced']);
    await source.send('untraced');
    const delivered = [...(await source.get(signal, { maxMessages: 10 })), ...(await source.get(signal, { maxMessages: 10 }))];
    expect(delivered.map((message) => [message.body, source.traceContext(message)?.traceparent])).toEqual(
      expect.arrayContaining([
        ['traced', traceparent],
        ['untraced', undefined],
      ]),
    );
    await source.cleanup(delivered);
  });
});
