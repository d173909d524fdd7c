import { InvalidOptionError } from '@conveyor/core';
import type { Cluster, Redis } from 'ioredis';

/** An ioredis client (or cluster) without `keyPrefix`: the scripts build side keys a prefix would not reach. */
export function checkListClient(redis: Redis | Cluster): void {
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
      'the scripts build side keys the prefix would not reach; put the prefix in `key` instead',
    );
  }
}
