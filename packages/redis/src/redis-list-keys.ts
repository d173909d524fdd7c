import { InvalidOptionError } from '@conveyor/core';
import { hasHashTag } from './key-slot.js';
import { RedisCrossSlotError } from './redis-cross-slot-error.js';

/**
 * The keys of one Redis list source. The list is the user's key; the side keys
 * share its Redis Cluster slot, so every script touches keys of one slot.
 */
export interface RedisListKeys {
  /** The list producers append to: id entries (`\0<id>[:<receives>]`) and raw bodies. */
  readonly list: string;
  /** Hash: message id → body, stored once, as bytes. */
  readonly bodies: string;
  /** Sorted set: deliveries in flight (one entry per `get()`) → deadline (ms). */
  readonly processing: string;
  /** Hash: `<delivery>` → its entries joined by `,`; `<delivery>!` → bitmap of its settled positions. */
  readonly leases: string;
  /** Sorted set: released messages waiting for their backoff (`\0<id>:<receives>`) → due time (ms). */
  readonly delayed: string;
  /** Hash of counters: `ids` (last id given), `deliveries` (last delivery number), `inflight` (unsettled messages). */
  readonly meta: string;
  /** List of dead letters: `<JSON {id, error, receiveCount, at}>\n<body>`. */
  readonly dead: string;
}

/**
 * The side keys of the list `key`, in its Redis Cluster slot: `<key>:processing`
 * when `key` has a hash tag (`{orders}:jobs`), else `{<key>}:processing` (the
 * tag `<key>` hashes like the bare key). A key without a hash tag that contains
 * `}` cannot be wrapped so and is rejected.
 */
export function redisListKeys(key: string): RedisListKeys {
  if (typeof key !== 'string' || key === '') throw new InvalidOptionError('key', 'a non-empty string', key);
  let base: string;
  if (hasHashTag(key)) base = key;
  else if (key.includes('}')) {
    throw new RedisCrossSlotError(
      'key',
      'a key with a hash tag (`{jobs}` or `{orders}:jobs`) or without `}`',
      key,
      'its side keys could not share its Redis Cluster slot',
    );
  } else base = `{${key}}`;
  return Object.freeze({
    list: key,
    bodies: `${base}:bodies`,
    processing: `${base}:processing`,
    leases: `${base}:leases`,
    delayed: `${base}:delayed`,
    meta: `${base}:meta`,
    dead: `${base}:dead`,
  });
}
