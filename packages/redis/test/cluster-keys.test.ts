// Which keys the Redis drivers use on a cluster, checked without a server: every
// script's keys share a slot, partitions spread over the slot space, and what
// could not stay in one slot is refused at construction.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import {
  RedisCrossSlotError,
  RedisPartitionedListSource,
  RedisListSource,
  RedisStorage,
  keySlot,
  partitionOf,
  partitionTags,
} from '@conveyor/redis';
import { Cluster, Redis } from 'ioredis';

// Never connected: construction must decide everything without a round trip.
const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
const single = new Redis({ lazyConnect: true });

describe('keySlot', () => {
  it('computes slots as CLUSTER KEYSLOT does', () => {
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{}x')).toBe(keySlot('{}x'));
  });
});

describe('partitions', () => {
  it.each([1, 2, 3, 6, 16])('%i partitions: partition i hashes into the i-th slice of the slots, the same tags every time', (count) => {
    const tags = partitionTags('orders', count);
    expect(tags).toEqual(partitionTags('orders', count));
    expect(new Set(tags).size).toBe(count);
    tags.forEach((tag, index) => expect(Math.floor((keySlot(`{${tag}}`) * count) / 16384)).toBe(index));
  });

  it('keeps a key in one partition, and spreads keys over all', () => {
    expect(partitionOf('customer-7', 6)).toBe(partitionOf('customer-7', 6));
    const counts = new Array<number>(6).fill(0);
    for (let n = 0; n < 6000; n++) counts[partitionOf(`customer-${n}`, 6)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(partitionOf('anything', 1)).toBe(0);
  });
});

describe('RedisStorage keys', () => {
  it('keeps the layout of earlier versions on one Redis, and a tagged prefix on a cluster', () => {
    expect(new RedisStorage(single, { prefix: 'orders:' }).partitionPrefixes).toEqual(['orders:']);
    expect(new RedisStorage(cluster, { prefix: '{orders}:' }).partitionPrefixes).toEqual(['{orders}:']);
  });

  it('gives an untagged prefix a tag on a cluster, and a tag per partition when asked', () => {
    expect(new RedisStorage(cluster, { prefix: 'orders:' }).partitionPrefixes).toEqual(['orders:{orders:#0}:']);
    const bases = new RedisStorage(single, { prefix: 'orders:', partitions: 3 }).partitionPrefixes;
    expect(bases).toHaveLength(3);
    // Every key of a partition (tube, priorities, indexes) is in the partition's slot.
    for (const base of bases) {
      const slot = keySlot(`${base}threads`);
      for (const suffix of ['q:H/1/0', 'p:H/1', 'offsets', 'failures', 'dead', 'deferred', 'deferred:seq', 'recurrent:intervals']) {
        expect(keySlot(`${base}${suffix}`)).toBe(slot);
      }
    }
    expect(new Set(bases.map((base) => keySlot(`${base}threads`))).size).toBe(3);
  });

  it('refuses, at construction, a prefix whose keys could not share a slot', () => {
    expect(() => new RedisStorage(cluster, { prefix: 'a}b' })).toThrow(RedisCrossSlotError);
    expect(() => new RedisStorage(cluster, { prefix: '{}x' })).toThrow(/hash tag/);
    expect(() => new RedisStorage(single, { prefix: '{orders}:', partitions: 3 })).toThrow(RedisCrossSlotError);
    let error: unknown;
    try {
      new RedisStorage(cluster, { prefix: 'a{b' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'REDIS_CROSS_SLOT', option: 'prefix' });
  });
});

describe('list source keys', () => {
  it('puts each partition of a partitioned queue in its own slot, side keys with it', () => {
    const source = new RedisPartitionedListSource(cluster, { key: 'orders', partitions: 3 });
    expect(source.partitionKeys.map((keys) => keys.list)).toEqual(partitionTags('orders', 3).map((tag) => `{${tag}}`));
    for (const keys of source.partitionKeys) {
      for (const key of Object.values(keys) as string[]) expect(keySlot(key)).toBe(keySlot(keys.list));
    }
  });

  it('refuses a partitioned queue name with a hash tag, and partitions on a RedisListSource', () => {
    expect(() => new RedisPartitionedListSource(cluster, { key: '{orders}', partitions: 3 })).toThrow(RedisCrossSlotError);
    expect(() => new RedisListSource(cluster, { key: 'orders', partitions: 3 })).toThrow(/RedisPartitionedListSource/);
    expect(() => new RedisListSource(cluster, { key: 'a}b' })).toThrow(RedisCrossSlotError);
  });

  it('validates durableSend', () => {
    expect(() => new RedisListSource(single, { key: 'orders', durableSend: { replicas: 0 } })).toThrow(/durableSend.replicas/);
    expect(() => new RedisListSource(single, { key: 'orders', durableSend: {} as { replicas: number } })).toThrow(/durableSend.replicas/);
    expect(() => new RedisListSource(single, { key: 'orders', durableSend: { replicas: 1, timeoutMs: -1 } })).toThrow(
      /durableSend.timeoutMs/,
    );
  });
});
