import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { keySlot, redisListKeys } from '@conveyor/redis';

describe('redisListKeys', () => {
  it('computes slots as Redis does', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
  });

  it.each(['jobs', 'app:orders:jobs', '{orders}:jobs', 'a{b}c', 'a{b', 'é-queue'])(
    'every side key of %j is in the list key’s slot',
    (key) => {
      const keys = redisListKeys(key);
      expect(keys.list).toBe(key);
      for (const side of Object.values(keys) as string[]) expect([side, keySlot(side)]).toEqual([side, keySlot(key)]);
      expect(new Set(Object.values(keys)).size).toBe(Object.keys(keys).length);
    },
  );

  it('wraps an untagged key in a tag, and suffixes a tagged one', () => {
    expect(redisListKeys('jobs').processing).toBe('{jobs}:processing');
    expect(redisListKeys('{orders}:jobs').processing).toBe('{orders}:jobs:processing');
    expect(redisListKeys('jobs').leased).toBe('{jobs}:leased');
  });

  it('rejects a key whose side keys could not share its slot', () => {
    expect(() => redisListKeys('a}b')).toThrow(InvalidOptionError);
    expect(() => redisListKeys('{}x')).toThrow(/hash tag/);
    expect(() => redisListKeys('{}{x}')).toThrow(InvalidOptionError);
  });
});
