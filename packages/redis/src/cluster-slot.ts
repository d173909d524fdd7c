import { InvalidOptionError } from '@conveyor/core';
import { hasHashTag } from './key-slot.js';
import { RedisCrossSlotError } from './redis-cross-slot-error.js';

/**
 * The base of the side keys of `key`, in its Redis Cluster slot: `key` itself
 * when it has a hash tag (`{orders}:jobs`), else `{<key>}` (the tag `<key>`
 * hashes like the bare key). A key without a hash tag that contains `}` cannot
 * be wrapped so and is rejected with `RedisCrossSlotError`, naming `option`.
 */
export function slotBase(key: unknown, option = 'key'): string {
  if (typeof key !== 'string' || key === '') throw new InvalidOptionError(option, 'a non-empty string', key);
  if (hasHashTag(key)) return key;
  if (key.includes('}')) {
    throw new RedisCrossSlotError(
      option,
      'a key with a hash tag (`{jobs}` or `{orders}:jobs`) or without `}`',
      key,
      'its side keys could not share its Redis Cluster slot',
    );
  }
  return `{${key}}`;
}
