import { InvalidOptionError } from '@conveyor/core';

/**
 * The base of the side keys of `key`, in its Redis Cluster slot: `key` itself
 * when it has a hash tag (`{orders}:jobs`), else `{<key>}` (the tag `<key>`
 * hashes like the bare key). A key without a hash tag that contains `}` cannot
 * be wrapped so and is rejected, naming `option`.
 */
export function slotBase(key: unknown, option = 'key'): string {
  if (typeof key !== 'string' || key === '') throw new InvalidOptionError(option, 'a non-empty string', key);
  if (hasHashTag(key)) return key;
  if (key.includes('}')) {
    throw new InvalidOptionError(
      option,
      'a key with a hash tag (`{jobs}` or `{orders}:jobs`) or without `}`',
      key,
      'its side keys could not share its Redis Cluster slot',
    );
  }
  return `{${key}}`;
}

/** Redis Cluster's rule: the slot is the hash of what is between the first `{` and the next `}`, when that is not empty. */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open < 0) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}
