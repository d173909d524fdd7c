import type { Environment, ResolvedStorageOptions } from '@conveyor/sharded';
import { resolveStorageOptions } from '@conveyor/sharded';
import { integerIn, optionsObject } from '@conveyor/core/kit';
import { maxPartitions } from './partitions.js';

/** Options of `new RedisStorage(redis, options)`. */
export interface RedisStorageOptions {
  /**
   * Prefix of every key of this storage. Env `QUEUE_STORAGE_PREFIX`.
   * With a hash tag (`'{orders}:'`) every key is in that one slot. @default 'tube_'
   */
  prefix?: string;
  /**
   * Spread the queue's threads over this many partitions, each with its own
   * keys (tubes, thread index, offsets, failures, dead letters, deferred and
   * recurrent entries) in a Redis Cluster slot of its own: `<prefix>{<prefix>#<i>}:…`.
   * A thread always lives in one partition (FNV-1a of its name). The prefix
   * must then hold no `{` or `}`. Not given: one Redis keeps the keys as
   * `<prefix>…` (the layout of earlier versions); a cluster gets one partition,
   * unless the prefix has a hash tag. Use a multiple of the number of masters.
   */
  partitions?: number;
}

/** Redis storage options with every default applied. */
export interface ResolvedRedisStorageOptions extends ResolvedStorageOptions {
  /** `undefined`: not given (the layout then depends on the client and the prefix). */
  readonly partitions: number | undefined;
}

/** Validates options over the environment over the defaults; throws `InvalidOptionError` naming the bad one. */
export function resolveRedisStorageOptions(options?: RedisStorageOptions, env: Environment = process.env): ResolvedRedisStorageOptions {
  const given = optionsObject(options, ['prefix', 'partitions']) as RedisStorageOptions;
  const { prefix } = resolveStorageOptions(given.prefix === undefined ? undefined : { prefix: given.prefix }, env);
  const partitions = given.partitions === undefined ? undefined : integerIn('partitions', given.partitions, 1, maxPartitions, 1);
  return Object.freeze({ prefix, partitions });
}
