import type { Cluster, Redis } from 'ioredis';
import type { Lock } from '@conveyor/sharded';
import { checkClient } from './check-client.js';
import type { RedisClient } from './check-client.js';
import { LuaScript } from './lua-script.js';
import type { RedisLockOptions } from './redis-lock-options.js';
import { resolveRedisLockOptions } from './redis-lock-options.js';

/**
 * Thread locks on Redis: `SET NX PX` with an owner token; extension and
 * release are Lua scripts that act only for the owner.
 */
export class RedisLock implements Lock {
  /** One Redis or a Redis Cluster: each lock is one key, so locks need no hash tag. */
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly timeout: number;
  readonly #extend = LuaScript.load('lock-extend-1.lua');
  readonly #release = LuaScript.load('lock-release-1.lua');

  constructor(redis: Redis | Cluster, options?: RedisLockOptions) {
    checkClient(redis);
    const resolved = resolveRedisLockOptions(options);
    this.redis = redis;
    this.prefix = resolved.prefix;
    this.timeout = resolved.timeout;
  }

  async acquire(key: string, token: string, ttl = this.timeout): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, token, 'PX', Math.ceil(ttl), 'NX')) === 'OK';
  }

  async extend(key: string, token: string, ttl = this.timeout): Promise<boolean> {
    return (await this.#extend.run(this.redis, [this.prefix + key], [token, Math.ceil(ttl)])) === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    return (await this.#release.run(this.redis, [this.prefix + key], [token])) === 1;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.redis.exists(this.prefix + key)) === 1;
  }
}
