import type { Environment, ResolvedLockOptions } from '@conveyor/sharded';
import { resolveLockOptions } from '@conveyor/sharded';

/** Options of `new RedisLock(redis, options)`. */
export interface RedisLockOptions {
  /** Prefix of lock keys (a hash tag for Redis Cluster is not needed: each script touches one key). Env `QUEUE_LOCK_PREFIX`. @default 'lock_' */
  prefix?: string;
  /**
   * Milliseconds a lock lives unless extended; the holder's heartbeat extends
   * it every third of this. Env `QUEUE_LOCK_TIMEOUT` (s). @default 10000
   */
  timeout?: number;
}

/** Redis lock options with every default applied. */
export type ResolvedRedisLockOptions = ResolvedLockOptions;

/** Validates options over the environment over the defaults; throws `InvalidOptionError` naming the bad one. */
export function resolveRedisLockOptions(options?: RedisLockOptions, env: Environment = process.env): ResolvedRedisLockOptions {
  return resolveLockOptions(options, env);
}
