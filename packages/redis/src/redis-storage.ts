import type { Cluster, Redis } from 'ioredis';
import type {
  BatchFailure,
  BatchRef,
  DeadLetter,
  Peeked,
  PromoteResult,
  SettleResult,
  Storage,
  StorageEncoding,
  StorageIndex,
  TubeAddress,
} from '@conveyor/sharded';
import { threadOfTube } from '@conveyor/sharded';
import { checkClient, deleteByPrefix, isCluster } from './check-client.js';
import type { RedisClient } from './check-client.js';
import { LuaScript } from './lua-script.js';
import type { RedriveOptions } from './redrive-options.js';
import { redriveInSteps } from './redrive-options.js';
import { partitionOf } from './partitions.js';
import type { PartitionKeys } from './storage-partitions.js';
import { answered, mergePromotions, partitionBases, partitionKeys } from './storage-partitions.js';
import type { RedisStorageOptions } from './redis-storage-options.js';
import { resolveRedisStorageOptions } from './redis-storage-options.js';

// Messages per append script call: big enough to amortise the call, small enough not to block Redis long.
const appendSlice = 10_000;

const scripts = {
  append: 'append-3.lua',
  peek: 'peek-4.lua',
  settle: 'settle-6.lua',
  schedule: 'schedule-3.lua',
  promoteDeferred: 'promote-deferred-3.lua',
  setRecurrent: 'set-recurrent-3.lua',
  unsetRecurrent: 'unset-recurrent-2.lua',
  promoteRecurrent: 'promote-recurrent-3.lua',
  redrive: 'redrive-dead-2.lua',
} as const;

type Scripts = { readonly [K in keyof typeof scripts]: LuaScript };

/**
 * Sharded-queue storage on Redis, or on Redis Cluster. Keys (under each
 * partition's base, `prefix` itself unless partitioned):
 * `q:<tube>` list of messages, `p:<thread>` zset of the thread's non-empty
 * tubes by rank, `threads` set of non-empty threads (claimers sample it: no
 * KEYS scans), `offsets` and `failures` hashes, `dead` list,
 * `deferred` / `recurrent` zsets by due time. Every operation is one Lua script
 * on the keys of one partition (one slot); a thread lives in one partition.
 * Layout and partitions: docs/adr/0013-redis-cluster-partitions.md.
 */
export class RedisStorage implements Storage<string> {
  /** Redis keeps the serialized strings of the queue's serializer. */
  readonly encoding: StorageEncoding = 'text';
  readonly redis: RedisClient;
  readonly prefix: string;
  /** The key base of each partition (`[prefix]` when not partitioned): what `stats` and migrations read. */
  readonly partitionPrefixes: readonly string[];
  readonly #scripts: Scripts;
  readonly #partitions: readonly PartitionKeys[];

  constructor(redis: Redis | Cluster, options?: RedisStorageOptions) {
    checkClient(redis);
    this.redis = redis;
    const resolved = resolveRedisStorageOptions(options);
    this.prefix = resolved.prefix;
    this.partitionPrefixes = Object.freeze(partitionBases(this.prefix, resolved.partitions, isCluster(redis)));
    this.#scripts = Object.fromEntries(Object.entries(scripts).map(([name, file]) => [name, LuaScript.load(file)])) as Scripts;
    this.#partitions = this.partitionPrefixes.map(partitionKeys);
  }

  async append(address: TubeAddress, messages: readonly string[], ifNotExists: boolean): Promise<number> {
    const partition = this.#partitionOf(address.thread);
    const keys = [`${partition.base}q:${address.tube}`, `${partition.base}p:${address.thread}`, partition.threads];
    const head = [address.tube, address.thread, address.rank, ifNotExists ? '1' : '0'];
    if (messages.length <= appendSlice || ifNotExists) {
      return (await this.#scripts.append.run(this.redis, keys, [...head, ...messages])) as number;
    }
    // Slices go out back to back on one connection, so they land in order.
    const calls: Promise<unknown>[] = [];
    for (let start = 0; start < messages.length; start += appendSlice) {
      calls.push(this.#scripts.append.run(this.redis, keys, head.concat(messages.slice(start, start + appendSlice))));
    }
    return (await Promise.all(calls)).reduce<number>((sum, added) => sum + (added as number), 0);
  }

  /**
   * Samples up to `max` non-empty threads of every partition (in parallel),
   * shuffled together: each partition's index is sampled fairly, and a look
   * sees threads of all of them. A partition that does not answer (its master
   * failing over) is left out of this look; only when none answers is it an error.
   */
  async threads(max: number): Promise<string[]> {
    if (this.#partitions.length === 1) return shuffle(await this.redis.srandmember((this.#partitions[0] as PartitionKeys).threads, max));
    const samples = answered(await Promise.allSettled(this.#partitions.map((partition) => this.redis.srandmember(partition.threads, max))));
    return shuffle(samples.values.flat()).slice(0, max);
  }

  async peek(thread: string, max: number): Promise<Peeked | undefined> {
    const partition = this.#partitionOf(thread);
    const result = (await this.#scripts.peek.run(
      this.redis,
      [`${partition.base}p:${thread}`, partition.offsets, partition.threads, partition.failures],
      [partition.base, thread, max],
    )) as [string, number, string[], number] | null;
    if (result === null) return undefined;
    return { tube: result[0], thread, offset: result[1], messages: result[2], failures: result[3] };
  }

  async settle(batch: BatchRef, failed: readonly number[] = [], failure?: BatchFailure): Promise<SettleResult> {
    // The script takes 0 for "never dead-letter", and the charged indexes after the failed ones.
    const maxFailures = failure === undefined || failure.maxFailures === Number.POSITIVE_INFINITY ? 0 : failure.maxFailures;
    const charged = failure === undefined ? [] : (failure.charged ?? failed);
    const partition = this.#partitionOf(batch.thread);
    const [stale, removed, failures, deadLettered] = (await this.#scripts.settle.run(
      this.redis,
      [
        `${partition.base}q:${batch.tube}`,
        partition.offsets,
        `${partition.base}p:${batch.thread}`,
        partition.threads,
        partition.failures,
        partition.dead,
      ],
      [batch.tube, batch.thread, batch.offset, batch.count, failure?.reason ?? '', maxFailures, failed.length, ...failed, ...charged],
    )) as [number, number, number, number];
    return { stale: stale === 1, removed, failures, deadLettered };
  }

  async length(tube: string): Promise<number> {
    return this.redis.llen(this.#tubeKey(tube));
  }

  async contains(tube: string, message: string): Promise<boolean> {
    return (await this.redis.lpos(this.#tubeKey(tube), message)) !== null;
  }

  async schedule(address: TubeAddress, messages: readonly string[], delayMs: number, ifNotExists: boolean): Promise<number> {
    const { deferred } = this.#partitionOf(address.thread);
    return (await this.#scripts.schedule.run(
      this.redis,
      [deferred, `${deferred}:seq`, `${deferred}:keys`],
      [Math.round(delayMs), ifNotExists ? '1' : '0', address.rank, address.tube, ...messages],
    )) as number;
  }

  /** Promotes up to `max` due deferred requests in each partition (in parallel; see `mergePromotions` for a partition that fails). */
  async promoteDeferred(max: number): Promise<PromoteResult> {
    return mergePromotions(
      await Promise.allSettled(
        this.#partitions.map(
          async ({ base, deferred, threads }) =>
            (await this.#scripts.promoteDeferred.run(this.redis, [deferred, `${deferred}:keys`, threads], [base, max])) as [number, number],
        ),
      ),
    );
  }

  async setRecurrent(address: TubeAddress, messages: readonly string[], intervalMs: number): Promise<number> {
    const { base, recurrent, threads } = this.#partitionOf(address.thread);
    return (await this.#scripts.setRecurrent.run(
      this.redis,
      [recurrent, `${recurrent}:intervals`, threads],
      [base, Math.round(intervalMs), address.rank, address.tube, ...messages],
    )) as number;
  }

  async unsetRecurrent(address: TubeAddress, messages: readonly string[]): Promise<number> {
    const { recurrent } = this.#partitionOf(address.thread);
    return (await this.#scripts.unsetRecurrent.run(
      this.redis,
      [recurrent, `${recurrent}:intervals`],
      [address.rank, address.tube, ...messages],
    )) as number;
  }

  /** Runs up to `max` due recurrent requests in each partition (in parallel; see `mergePromotions` for a partition that fails). */
  async promoteRecurrent(max: number): Promise<PromoteResult> {
    return mergePromotions(
      await Promise.allSettled(
        this.#partitions.map(
          async ({ base, recurrent, threads }) =>
            (await this.#scripts.promoteRecurrent.run(this.redis, [recurrent, `${recurrent}:intervals`, threads], [base, max])) as [
              number,
              number,
            ],
        ),
      ),
    );
  }

  /** The oldest `max` dead letters of every partition, oldest first. */
  async deadLetters(max: number): Promise<DeadLetter[]> {
    const each = await Promise.all(this.#partitions.map((partition) => this.redis.lrange(partition.dead, 0, max - 1)));
    const letters = each.flat().map((entry) => JSON.parse(entry) as DeadLetter);
    return this.#partitions.length === 1 ? letters : letters.sort((a, b) => a.at - b.at).slice(0, max);
  }

  /**
   * Sends dead letters back to the tails of the tubes they died in, oldest
   * first (partition by partition when partitioned): all of them, or the oldest `limit`. They move in atomic steps of
   * `batchSize` (one script call each), so an interrupted redrive loses nothing
   * and moves nothing twice. Returns how many moved.
   */
  redriveDeadLetters(options: RedriveOptions = {}): Promise<number> {
    // Partition by partition (each step is one partition's script: keys of one slot).
    let partition = 0;
    return redriveInSteps(options, async (max) => {
      while (partition < this.#partitions.length) {
        const keys = this.#partitions[partition] as PartitionKeys;
        const moved = (await this.#scripts.redrive.run(this.redis, [keys.dead, keys.threads], [keys.base, max])) as number;
        if (moved > 0) return moved;
        partition++;
      }
      return 0;
    });
  }

  async count(index: StorageIndex): Promise<number> {
    const counts = await Promise.all(
      this.#partitions.map((partition) => {
        switch (index) {
          case 'deferred':
            return this.redis.zcard(partition.deferred);
          case 'recurrent':
            return this.redis.zcard(partition.recurrent);
          case 'dead':
            return this.redis.llen(partition.dead);
        }
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Deletes every key under `prefix` (SCAN and UNLINK; on every master of a cluster). */
  async clear(): Promise<void> {
    await deleteByPrefix(this.redis, this.prefix);
  }

  #partitionOf(thread: string): PartitionKeys {
    return this.#partitions[partitionOf(thread, this.#partitions.length)] as PartitionKeys;
  }

  #tubeKey(tube: string): string {
    return `${this.#partitionOf(threadOfTube(tube)).base}q:${tube}`;
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    const swap = items[index] as T;
    items[index] = items[other] as T;
    items[other] = swap;
  }
  return items;
}
