import { RedisPartitionedListSource, RedisStorage, redisListKeys } from '@conveyor/redis';
import type { RedisClient, RedisListKeys } from '@conveyor/redis';
import { resolveLockOptions } from '@conveyor/sharded';
import { CliError } from '../cli-error.js';
import { redisListSourceAt } from '../redis-list-source-at.js';
import { oneLine } from '../describe-error.js';
import { connectRedis } from '../redis-connection.js';
import type { RedisLocation } from '../source-url.js';
import type { QueueInspector, QueueStats, ShardThreadStats } from './queue-stats.js';

// Threads read per look; a queue with more shows the fullest of these.
const maxThreads = 1000;

/**
 * Reads a Redis list source (`RedisListSource`: the list, `{key}:delayed`,
 * `{key}:processing`, `{key}:dead`) or a sharded queue (`RedisStorage` under a
 * prefix: its non-empty threads and their tubes, dead letters, deferred and
 * recurrent entries). Read-only: only LLEN, ZCARD, ZRANGE, SSCAN, EXISTS, TYPE.
 */
export async function openRedisInspector(location: RedisLocation): Promise<QueueInspector> {
  const redis = await connectRedis(location);
  return {
    async read(): Promise<QueueStats> {
      try {
        if (!(await redisKeyExists(redis, location.key, location.partitions))) throw noSuchKey(location);
        const structure = location.structure ?? (await detectStructure(redis, location.key, location.partitions));
        return structure === 'sharded' ? await readSharded(redis, location) : await readList(redis, location);
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError('CLI_UNREACHABLE', `Reading ${location.display} failed: ${oneLine(error)}`, { cause: error });
      }
    },
    close(): Promise<void> {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}

/**
 * A list source keeps a list at the key, or its side keys (`redisListKeys`:
 * bodies, processing, delayed, dead); a sharded storage keeps `threads`,
 * `dead`, `deferred`, `recurrent` under the prefix (under each partition's
 * base when partitioned). Nothing stored: a list, empty (what `send` would
 * create). One command per slot: a cluster refuses keys of several slots in one.
 */
export async function detectStructure(redis: RedisClient, key: string, partitions?: number): Promise<'list' | 'sharded'> {
  if (partitions === undefined && (await redis.type(key)) === 'list') return 'list';
  const [list, sharded] = await Promise.all([listSideKeysExist(redis, key, partitions), shardedKeysExist(redis, key, partitions)]);
  return sharded && !list ? 'sharded' : 'list';
}

/**
 * Whether anything of a list source or a sharded queue is stored at `key`: the
 * list or its side keys (a drained queue keeps its counters), or the sharded
 * storage's keys under the prefix (each partition's, when partitioned). A
 * mistyped key has none of them.
 */
export async function redisKeyExists(redis: RedisClient, key: string, partitions?: number): Promise<boolean> {
  if (partitions === undefined && (await redis.exists(key)) > 0) return true;
  const [list, sharded] = await Promise.all([listSideKeysExist(redis, key, partitions), shardedKeysExist(redis, key, partitions)]);
  return list || sharded;
}

/** The error for a key where nothing is stored (exit 4): a typo, or the wrong `?db=`. */
export function noSuchKey(location: RedisLocation): CliError {
  return new CliError(
    'CLI_QUEUE_NOT_FOUND',
    `No such key: nothing is stored at ${JSON.stringify(location.key)} in Redis db ${location.db} at ${location.host}:${location.port} (no list, no list source's side keys, no sharded queue under that prefix); check the key and ?db=`,
  );
}

/** The keys of each partition of the list queue `key` (one when not partitioned), or none when no list source can have that key. */
function listKeysOf(redis: RedisClient, key: string, partitions: number | undefined): readonly RedisListKeys[] {
  try {
    if (partitions === undefined) return [redisListKeys(key)];
    return new RedisPartitionedListSource(redis, { key, partitions }).partitionKeys;
  } catch {
    return [];
  }
}

async function listSideKeysExist(redis: RedisClient, key: string, partitions: number | undefined): Promise<boolean> {
  const found = await Promise.all(
    listKeysOf(redis, key, partitions).map((keys) =>
      partitions === undefined
        ? redis.exists(keys.bodies, keys.leased, keys.processing, keys.delayed, keys.dead, keys.meta)
        : redis.exists(keys.list, keys.bodies, keys.leased, keys.processing, keys.delayed, keys.dead, keys.meta),
    ),
  );
  return found.some((count) => count > 0);
}

async function shardedKeysExist(redis: RedisClient, prefix: string, partitions: number | undefined): Promise<boolean> {
  let bases: readonly string[];
  try {
    bases = new RedisStorage(redis, { prefix, ...(partitions === undefined ? {} : { partitions }) }).partitionPrefixes;
  } catch {
    return false; // not a prefix a sharded storage can have here
  }
  const found = await Promise.all(
    bases.map((base) =>
      redis.exists(`${base}threads`, `${base}dead`, `${base}deferred`, `${base}recurrent`, `${base}offsets`, `${base}failures`),
    ),
  );
  return found.some((count) => count > 0);
}

async function readList(redis: RedisClient, location: RedisLocation): Promise<QueueStats> {
  const source = redisListSourceAt(redis, location);
  const partitions = source instanceof RedisPartitionedListSource ? source.partitions : [source];
  // Waiting counts the list and the failed messages waiting for their backoff (shown again as `delayed`).
  const [depth, delayed] = await Promise.all([
    source.inspect(),
    Promise.all(partitions.map((partition) => redis.zcard(partition.keys.delayed))).then((counts) =>
      counts.reduce((sum, count) => sum + count, 0),
    ),
  ]);
  return {
    source: location.display,
    kind: 'redis-list',
    waiting: depth.waiting,
    inFlight: depth.inFlight,
    deadLetters: depth.deadLetters,
    details: partitions.length > 1 ? { delayed, partitions: partitions.length } : { delayed },
  };
}

async function readSharded(redis: RedisClient, location: RedisLocation): Promise<QueueStats> {
  const storage = new RedisStorage(redis, {
    prefix: location.key,
    ...(location.partitions === undefined ? {} : { partitions: location.partitions }),
  });
  const lockPrefix = location.lockPrefix ?? resolveLockOptions().prefix;
  const found = await Promise.all(
    storage.partitionPrefixes.map(async (base) => (await scanSet(redis, `${base}threads`, maxThreads)).map((thread) => ({ base, thread }))),
  );
  const threadsFound = found.flat().slice(0, maxThreads);
  // One command a key (ioredis pipelines them on each node's connection): a cluster refuses a pipeline over several nodes.
  const threads: ShardThreadStats[] = await Promise.all(
    threadsFound.map(async ({ base, thread }) => {
      const [tubeNames, locked] = await Promise.all([
        redis.zrange(`${base}p:${thread}`, 0, -1, 'REV'),
        redis.exists(`${lockPrefix}${thread}`),
      ]);
      const tubes = await Promise.all(tubeNames.map(async (tube) => ({ tube, waiting: await redis.llen(`${base}q:${tube}`) })));
      return { thread, waiting: tubes.reduce((sum, tube) => sum + tube.waiting, 0), locked: locked === 1, tubes };
    }),
  );
  threads.sort((a, b) => b.waiting - a.waiting || a.thread.localeCompare(b.thread));
  const [dead, deferred, recurrent] = await Promise.all([storage.count('dead'), storage.count('deferred'), storage.count('recurrent')]);
  return {
    source: location.display,
    kind: 'redis-sharded',
    waiting: threads.reduce((sum, thread) => sum + thread.waiting, 0),
    // Batches being handled stay at the head of their tubes: only locked threads can be counted.
    inFlight: undefined,
    deadLetters: dead,
    details: { threads: threads.length, lockedThreads: threads.filter((thread) => thread.locked).length, deferred, recurrent },
    threads,
  };
}

async function scanSet(redis: RedisClient, key: string, max: number): Promise<string[]> {
  const members = new Set<string>();
  let cursor = '0';
  do {
    const [nextCursor, page] = await redis.sscan(key, cursor, 'COUNT', 500);
    cursor = nextCursor;
    for (const member of page) members.add(member);
  } while (cursor !== '0' && members.size < max);
  return [...members].slice(0, max);
}
