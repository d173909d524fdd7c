import { slotBase } from './cluster-slot.js';

/**
 * The keys of one Redis list source. The list is the user's key; the side keys
 * share its Redis Cluster slot, so every script touches keys of one slot.
 */
export interface RedisListKeys {
  /** The list producers append to: id entries (`\0<id>[:<receives>]`) and raw bodies. */
  readonly list: string;
  /** Hash: message id → body, as bytes, while the message waits (in flight, its lease holds it). */
  readonly bodies: string;
  /** Sorted set: deliveries in flight (one entry per `get()`) → deadline (ms); the lease holds their bodies. */
  readonly leased: string;
  /**
   * Sorted set of the deliveries made by @conveyor/redis 0.1, whose bodies stayed in `bodies` while
   * in flight: nothing is added to it any more; one that lapses is still given back.
   */
  readonly processing: string;
  /**
   * Hash: `<delivery>` → its entries joined by `,`; `<delivery>!` → bitmap of its settled positions;
   * `<delivery>#` → its bodies' lengths joined by `,`; `<delivery>$` → its bodies, one after the other;
   * `<delivery>t` → their trace contexts joined by `\n` (only in a list that ever had one).
   */
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
  const base = slotBase(key);
  return Object.freeze({
    list: key,
    bodies: `${base}:bodies`,
    leased: `${base}:leased`,
    processing: `${base}:processing`,
    leases: `${base}:leases`,
    delayed: `${base}:delayed`,
    meta: `${base}:meta`,
    dead: `${base}:dead`,
  });
}
