import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { redisListKeys } from '@conveyor/redis';

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16384. */
function slotOf(key: string): number {
  const bytes = Buffer.from(key);
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let index = start; index < end; index++) {
    crc ^= (bytes[index] as number) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('redisListKeys', () => {
  it('computes slots as Redis does', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(slotOf('123456789')).toBe(0x31c3 % 16384);
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{user1000}.following')).toBe(slotOf('user1000'));
  });

  it.each(['jobs', 'app:orders:jobs', '{orders}:jobs', 'a{b}c', 'a{b', 'é-queue'])(
    'every side key of %j is in the list key’s slot',
    (key) => {
      const keys = redisListKeys(key);
      expect(keys.list).toBe(key);
      for (const side of Object.values(keys) as string[]) expect([side, slotOf(side)]).toEqual([side, slotOf(key)]);
      expect(new Set(Object.values(keys)).size).toBe(Object.keys(keys).length);
    },
  );

  it('wraps an untagged key in a tag, and suffixes a tagged one', () => {
    expect(redisListKeys('jobs').processing).toBe('{jobs}:processing');
    expect(redisListKeys('{orders}:jobs').processing).toBe('{orders}:jobs:processing');
  });

  it('rejects a key whose side keys could not share its slot', () => {
    expect(() => redisListKeys('a}b')).toThrow(InvalidOptionError);
    expect(() => redisListKeys('{}x')).toThrow(/hash tag/);
    expect(() => redisListKeys('{}{x}')).toThrow(InvalidOptionError);
  });
});
