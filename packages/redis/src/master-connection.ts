import { sleep } from '@conveyor/core/kit';
import type { Redis } from 'ioredis';
import type { RedisClient } from './check-client.js';
import { isCluster } from './check-client.js';
import { keySlot } from './key-slot.js';

// How long to look for the master of a slot (a failover takes about cluster-node-timeout).
const lookForMs = 10_000;
const lookEveryMs = 100;

/**
 * The connection to the master serving `key`'s slot now: the client itself for
 * one Redis; on a cluster, the node ioredis keeps for that slot (its slot map
 * refreshed until one is known). Used where a command must follow a write on
 * the very connection that made it (`WAIT`).
 */
export async function masterConnection(redis: RedisClient, key: string): Promise<Redis> {
  if (!isCluster(redis)) return redis;
  const slot = keySlot(key);
  const deadline = Date.now() + lookForMs;
  for (;;) {
    const nodeKey = redis.slots[slot]?.[0];
    const node = nodeKey === undefined ? undefined : redis.nodes('master').find((candidate) => nodeKeyOf(candidate) === nodeKey);
    if (node !== undefined) return node;
    if (Date.now() > deadline) throw new Error(`No master of the Redis Cluster serves the slot ${slot} of ${JSON.stringify(key)}`);
    await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()));
    await sleep(lookEveryMs);
  }
}

/** Errors after which the same write may be sent again to the slot's (new) master. */
export function isRedirectOrOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name !== 'ReplyError') return true; // the connection failed: the master may be gone
  return /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|LOADING|READONLY|MASTERDOWN)\b/.test(error.message);
}

function nodeKeyOf(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}
