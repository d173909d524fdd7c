import type { Environment, ResolvedStorageOptions } from '@conveyor/sharded';
import { resolveStorageOptions } from '@conveyor/sharded';

/** Options of `new RedisStorage(redis, options)`. */
export interface RedisStorageOptions {
  /**
   * Prefix of every key of this storage. For Redis Cluster, put a hash tag in
   * it (`'{orders}:'`): the scripts touch several keys of one queue.
   * Env `QUEUE_STORAGE_PREFIX`. @default 'tube_'
   */
  prefix?: string;
}

/** Redis storage options with every default applied. */
export type ResolvedRedisStorageOptions = ResolvedStorageOptions;

/** Validates options over the environment over the defaults; throws `InvalidOptionError` naming the bad one. */
export function resolveRedisStorageOptions(options?: RedisStorageOptions, env: Environment = process.env): ResolvedRedisStorageOptions {
  return resolveStorageOptions(options, env);
}
