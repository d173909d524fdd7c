import { InvalidOptionError } from '@conveyor/core';
import type { Cluster, Redis } from 'ioredis';

/** What the Redis drivers take: one Redis (`new Redis()`) or a Redis Cluster (`new Cluster([...])`), both ioredis. */
export type RedisClient = Redis | Cluster;

/** Whether the client is an ioredis `Cluster`. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as { isCluster?: unknown }).isCluster === true;
}

/**
 * Rejects what is not an ioredis client or cluster, and clients with a
 * `keyPrefix` (scripts build keys the prefix would not reach).
 */
export function checkClient(redis: RedisClient): void {
  if (redis === null || typeof redis !== 'object' || typeof (redis as { callBuffer?: unknown }).callBuffer !== 'function') {
    throw new InvalidOptionError('redis', 'an ioredis client (new Redis(...) or new Cluster(...))', redis);
  }
  const options = (redis as { options?: { keyPrefix?: string; redisOptions?: { keyPrefix?: string } } }).options;
  const keyPrefix = options?.keyPrefix ?? options?.redisOptions?.keyPrefix;
  if (keyPrefix !== undefined && keyPrefix !== '') {
    throw new InvalidOptionError(
      'redis',
      'a client without `keyPrefix`',
      keyPrefix,
      'the scripts build keys the prefix would not reach; use the `prefix` or `key` option instead',
    );
  }
}

/**
 * Deletes every key starting with `prefix`, by SCAN (never KEYS); on a
 * cluster, on every master, one key at a time (keys of different slots cannot
 * go in one command).
 */
export async function deleteByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  if (!isCluster(redis)) return await deleteOnNode(redis, prefix, false);
  const deleted = await Promise.all(redis.nodes('master').map((node) => deleteOnNode(node, prefix, true)));
  return deleted.reduce((sum, count) => sum + count, 0);
}

async function deleteOnNode(redis: Redis, prefix: string, oneByOne: boolean): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    if (!oneByOne) deleted += await redis.unlink(...keys);
    else {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.unlink(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) if (error === null) deleted += count as number;
    }
  } while (cursor !== '0');
  return deleted;
}
