// How the sharded storage spreads over partitions (docs/adr/0013-redis-cluster-partitions.md):
// the key base of each partition, its keys, and how the answers of all partitions add up.
import type { PromoteResult } from '@conveyor/sharded';
import { hasHashTag } from './key-slot.js';
import { partitionTags } from './partitions.js';
import { RedisCrossSlotError } from './redis-cross-slot-error.js';

// When a partition failed a due check, the next check comes this soon (ms).
const failedPartitionRetryMs = 500;

/** The keys of one partition: every one shares the partition's slot. */
export interface PartitionKeys {
  /** What the scripts derive tube and priority keys from (`<base>q:<tube>`, `<base>p:<thread>`). */
  readonly base: string;
  readonly threads: string;
  readonly offsets: string;
  readonly failures: string;
  readonly dead: string;
  readonly deferred: string;
  readonly recurrent: string;
}

/** The keys of the partition whose keys start with `base`. */
export function partitionKeys(base: string): PartitionKeys {
  return Object.freeze({
    base,
    threads: `${base}threads`,
    offsets: `${base}offsets`,
    failures: `${base}failures`,
    dead: `${base}dead`,
    deferred: `${base}deferred`,
    recurrent: `${base}recurrent`,
  });
}

/**
 * The key base of each partition. Not partitioned (one Redis, or a prefix with
 * its own hash tag): the prefix itself, as earlier versions. Partitioned (asked,
 * or a cluster with an untagged prefix): `<prefix>{<tag>}:`, the tag from
 * `partitionTags(prefix)`. What could not keep a script's keys in one slot is refused.
 */
export function partitionBases(prefix: string, partitions: number | undefined, cluster: boolean): string[] {
  if (partitions === undefined && (!cluster || hasHashTag(prefix))) return [prefix];
  if (/[{}]/.test(prefix)) {
    throw new RedisCrossSlotError(
      'prefix',
      partitions === undefined ? 'a prefix with a hash tag (`{orders}:`) or without `{` and `}`' : 'a prefix without `{` or `}`',
      prefix,
      partitions === undefined
        ? 'its keys could not share one Redis Cluster slot'
        : 'each partition gets a hash tag of its own; a tag in the prefix would put every partition in one slot',
    );
  }
  return partitionTags(prefix, partitions ?? 1).map((tag) => `${prefix}{${tag}}:`);
}

/**
 * The promotions of every partition, added up. A partition that failed (its
 * master failing over) keeps its due entries for the next check, which comes
 * within `failedPartitionRetryMs`; only when every partition failed is it an error.
 */
export function mergePromotions(results: readonly PromiseSettledResult<[number, number]>[]): PromoteResult {
  const { values, failed } = answered(results);
  let due = 0;
  let nextIn = failed ? failedPartitionRetryMs : -1;
  for (const [count, next] of values) {
    due += count;
    if (next >= 0 && (nextIn < 0 || next < nextIn)) nextIn = next;
  }
  return { due, nextDueIn: nextIn < 0 ? undefined : nextIn };
}

/** The values of the partitions that answered, and whether one failed; throws when none answered. */
export function answered<T>(results: readonly PromiseSettledResult<T>[]): { values: T[]; failed: boolean } {
  const values: T[] = [];
  let rejected: PromiseRejectedResult | undefined;
  for (const result of results) {
    if (result.status === 'fulfilled') values.push(result.value);
    else rejected ??= result;
  }
  // The reason as the failing call gave it (an ioredis error).
  if (values.length === 0 && rejected !== undefined) throw rejected.reason as Error;
  return { values, failed: rejected !== undefined };
}
