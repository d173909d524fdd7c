import { silentLogger } from '@conveyor/core';
import { RedisListSource } from '@conveyor/redis';
import type { RedisListSourceOptions } from '@conveyor/redis';
import type { Redis } from 'ioredis';
import { uniquePrefix } from './redis-test-client.js';

/** Opens list sources on unique keys and deletes every key they made. */
export class ListSources {
  readonly #redis: Redis;
  readonly #opened: RedisListSource<unknown>[] = [];

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** A source on a fresh key (`waitTime: 0`, silent) unless `options` say otherwise. */
  open<B = string>(options: Partial<RedisListSourceOptions> = {}): RedisListSource<B> {
    const source = new RedisListSource<B>(this.#redis, {
      key: `${uniquePrefix('list')}jobs`,
      waitTime: 0,
      logger: silentLogger,
      ...options,
    });
    this.#opened.push(source);
    return source;
  }

  /** Deletes the keys of every source opened so far. */
  async clear(): Promise<void> {
    for (const source of this.#opened.splice(0)) await source.clear();
  }
}

export const neverAborted = new AbortController().signal;
