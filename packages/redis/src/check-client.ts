import { InvalidOptionError } from '@conveyor/core';
import type { Redis } from 'ioredis';

/** Rejects what is not an ioredis client, and clients with a `keyPrefix` (scripts build keys the prefix would not reach). */
export function checkClient(redis: Redis): void {
  if (redis === null || typeof redis !== 'object' || typeof (redis as { evalsha?: unknown }).evalsha !== 'function') {
    throw new InvalidOptionError('redis', 'an ioredis client (new Redis(...))', redis);
  }
  const keyPrefix = (redis.options as { keyPrefix?: string } | undefined)?.keyPrefix;
  if (keyPrefix !== undefined && keyPrefix !== '') {
    throw new InvalidOptionError('redis', 'a client without `keyPrefix` (use the `prefix` option instead)', keyPrefix);
  }
}

/** Deletes every key starting with `prefix`, by SCAN (never KEYS). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
