import { objectWithMethods } from '@conveyor/core/kit';

/**
 * Exclusive ownership of a thread with an owner token and a time to live.
 * Only the owner may extend or release its lock, and an owner that stops
 * extending it (a killed process) loses it after `timeout`.
 */
export interface Lock {
  /** Milliseconds a lock lives unless extended. */
  readonly timeout: number;
  /** Takes `key` for `token` if nobody holds it. */
  acquire(key: string, token: string, ttl?: number): Promise<boolean>;
  /** Gives the lock another `ttl` (default `timeout`) if `token` still holds it. */
  extend(key: string, token: string, ttl?: number): Promise<boolean>;
  /** Frees the lock if `token` holds it; another owner's lock is left alone. */
  release(key: string, token: string): Promise<boolean>;
  /** Whether anyone holds `key`. */
  exists(key: string): Promise<boolean>;
}

/** Checks that `value` is a `Lock` (what a Worker or a ShardedSource is given). */
export function lockArgument(value: unknown): Lock {
  return objectWithMethods<Lock>('lock', value, ['acquire', 'extend', 'release', 'exists'], 'a Lock (MemoryLock, RedisLock, ...)');
}
