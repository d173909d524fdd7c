import type { Cluster, Redis } from 'ioredis';
import { checkClient } from './check-client.js';
import { listBodies } from './list-bodies.js';
import { ListStore } from './list-store.js';
import type { RedisListKeys } from './redis-list-keys.js';
import { redisListKeys } from './redis-list-keys.js';
import type { RedisListSenderOptions, ResolvedRedisListSenderOptions } from './redis-list-sender-options.js';
import { resolveRedisListSenderOptions } from './redis-list-sender-options.js';

/**
 * Sends messages to a Redis list in the layout a `RedisListSource` consumes (a
 * producer in code): each body is stored once under a new id and the id is
 * appended to the list, up to 1,000 bodies (4 MiB) per script call, the calls
 * pipelined on one connection so they keep their order. Binary-safe: strings go
 * as UTF-8, Buffers and Uint8Arrays as their bytes. A send either stores a
 * batch whole or not at all (one script call is atomic); a failed call rejects
 * the send with the client's error, after the batches before it were stored.
 *
 * ```ts
 * const sender = new RedisListSender(redis, { key: 'orders', traceContext: currentTraceContext });
 * const ids = await sender.send(orders.map((order) => JSON.stringify(order)));
 * ```
 */
export class RedisListSender {
  /** The client (the caller's: `close()` leaves it open). */
  readonly redis: Redis | Cluster;
  /** The list's key. */
  readonly key: string;
  /** The list and its side keys. */
  readonly keys: RedisListKeys;
  readonly #options: ResolvedRedisListSenderOptions;
  readonly #store: ListStore;

  constructor(redis: Redis | Cluster, options: RedisListSenderOptions) {
    checkClient(redis);
    this.#options = resolveRedisListSenderOptions(options);
    this.redis = redis;
    this.key = this.#options.key;
    this.keys = redisListKeys(this.key);
    this.#store = new ListStore(redis, this.keys);
  }

  /** Appends one message per body at the tail of the list, in order; resolves to their ids (decimal strings). */
  async send(bodies: readonly (string | Uint8Array)[]): Promise<string[]> {
    if (!Array.isArray(bodies)) throw new TypeError(`send() takes an array of bodies, got ${typeof bodies}`);
    if (bodies.length === 0) return [];
    return await this.#store.append(listBodies(bodies), this.#options.traceContext?.());
  }

  /** Nothing to free: the client is the caller's. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
