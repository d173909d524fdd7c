import type { Redis } from 'ioredis';
import { InvalidOptionError, silentLogger } from '@conveyor/core';
import { RedisListSource, RedisStorage, redisListKeys } from '@conveyor/redis';
import { resolveLockOptions } from '@conveyor/sharded';
import { CliError } from '../cli-error.js';
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
        if (!(await redisKeyExists(redis, location.key))) throw noSuchKey(location);
        const structure = location.structure ?? (await detectStructure(redis, location.key));
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
 * `dead`, `deferred`, `recurrent` under the prefix. Nothing stored: a list,
 * empty (what `send` would create).
 */
export async function detectStructure(redis: Redis, key: string): Promise<'list' | 'sharded'> {
  if ((await redis.type(key)) === 'list') return 'list';
  const [list, sharded] = await Promise.all([
    listSideKeysExist(redis, key),
    redis.exists(`${key}threads`, `${key}dead`, `${key}deferred`, `${key}recurrent`),
  ]);
  return sharded > 0 && !list ? 'sharded' : 'list';
}

/**
 * Whether anything of a list source or a sharded queue is stored at `key`: the
 * list or its side keys (a drained queue keeps its counters), or the sharded
 * storage's keys under the prefix. A mistyped key has none of them.
 */
export async function redisKeyExists(redis: Redis, key: string): Promise<boolean> {
  const [list, sharded] = await Promise.all([
    listSideKeysExist(redis, key),
    redis.exists(key, `${key}threads`, `${key}dead`, `${key}deferred`, `${key}recurrent`, `${key}offsets`, `${key}failures`),
  ]);
  return list || sharded > 0;
}

/** The error for a key where nothing is stored (exit 4): a typo, or the wrong `?db=`. */
export function noSuchKey(location: RedisLocation): CliError {
  return new CliError(
    'CLI_QUEUE_NOT_FOUND',
    `No such key: nothing is stored at ${JSON.stringify(location.key)} in Redis db ${location.db} at ${location.host}:${location.port} (no list, no list source's side keys, no sharded queue under that prefix); check the key and ?db=`,
  );
}

async function listSideKeysExist(redis: Redis, key: string): Promise<boolean> {
  let keys;
  try {
    keys = redisListKeys(key);
  } catch {
    return false; // not a key a list source can have
  }
  return (await redis.exists(keys.bodies, keys.processing, keys.delayed, keys.dead, keys.meta)) > 0;
}

async function readList(redis: Redis, location: RedisLocation): Promise<QueueStats> {
  let source: RedisListSource;
  try {
    source = new RedisListSource(redis, { key: location.key, logger: silentLogger });
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new CliError('CLI_BAD_URL', `${location.display}: ${error.message}`, { cause: error });
    throw error;
  }
  // Waiting counts the list and the failed messages waiting for their backoff (shown again as `delayed`).
  const [depth, delayed] = await Promise.all([source.inspect(), redis.zcard(source.keys.delayed)]);
  return {
    source: location.display,
    kind: 'redis-list',
    waiting: depth.waiting,
    inFlight: depth.inFlight,
    deadLetters: depth.deadLetters,
    details: { delayed },
  };
}

async function readSharded(redis: Redis, location: RedisLocation): Promise<QueueStats> {
  const prefix = location.key;
  const storage = new RedisStorage(redis, { prefix });
  const lockPrefix = location.lockPrefix ?? resolveLockOptions().prefix;
  const threadNames = await scanSet(redis, `${prefix}threads`, maxThreads);
  const tubesPerThread = await Promise.all(threadNames.map((thread) => redis.zrange(`${prefix}p:${thread}`, 0, -1, 'REV')));
  const pipeline = redis.pipeline();
  for (const tubes of tubesPerThread) for (const tube of tubes) pipeline.llen(`${prefix}q:${tube}`);
  for (const thread of threadNames) pipeline.exists(`${lockPrefix}${thread}`);
  const results = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error !== null) throw error;
    return value as number;
  });
  let next = 0;
  const threads: ShardThreadStats[] = threadNames.map((thread, index) => {
    const tubes = (tubesPerThread[index] ?? []).map((tube) => ({ tube, waiting: results[next++] ?? 0 }));
    return { thread, waiting: tubes.reduce((sum, tube) => sum + tube.waiting, 0), locked: false, tubes };
  });
  for (let index = 0; index < threads.length; index++)
    threads[index] = { ...(threads[index] as ShardThreadStats), locked: results[next++] === 1 };
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

async function scanSet(redis: Redis, key: string, max: number): Promise<string[]> {
  const members = new Set<string>();
  let cursor = '0';
  do {
    const [nextCursor, page] = await redis.sscan(key, cursor, 'COUNT', 500);
    cursor = nextCursor;
    for (const member of page) members.add(member);
  } while (cursor !== '0' && members.size < max);
  return [...members].slice(0, max);
}
