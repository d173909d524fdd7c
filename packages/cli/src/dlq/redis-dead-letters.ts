import { RedisListSource, RedisStorage } from '@conveyor/redis';
import type { RedisClient } from '@conveyor/redis';
import { CliError } from '../cli-error.js';
import { redisListSourceAt } from '../redis-list-source-at.js';
import { oneLine } from '../describe-error.js';
import { connectRedis } from '../redis-connection.js';
import type { RedisLocation } from '../source-url.js';
import { detectStructure, noSuchKey, redisKeyExists } from '../stats/redis-inspector.js';
import type { DeadLetterTool, DeadLetterView } from './dead-letter-tool.js';

/**
 * The dead letters of a Redis list source (`{key}:dead`, through
 * `RedisListSource.deadLetters()` / `redriveDeadLetters()`) or of a sharded
 * queue (`<prefix>dead`, through `RedisStorage`). Redrives move in atomic
 * script calls of 100: an interrupted redrive loses nothing.
 */
export async function openRedisDeadLetters(location: RedisLocation): Promise<DeadLetterTool> {
  const redis = await connectRedis(location);
  try {
    if (!(await redisKeyExists(redis, location.key, location.partitions))) throw noSuchKey(location);
    const structure = location.structure ?? (await detectStructure(redis, location.key, location.partitions));
    return structure === 'sharded' ? shardedTool(redis, location) : listTool(redis, location);
  } catch (error) {
    redis.disconnect();
    if (error instanceof CliError) throw error;
    throw failure(error, location);
  }
}

function listTool(redis: RedisClient, location: RedisLocation): DeadLetterTool {
  const source = redisListSourceAt(redis, location);
  return guarded(redis, location, {
    where: source instanceof RedisListSource ? source.keys.dead : `${source.partitionKeys.length} partitions' :dead lists`,
    count: async () => (await source.inspect()).deadLetters ?? 0,
    list: async (limit) => {
      const now = Date.now();
      return (await source.deadLetters(limit)).map((letter): DeadLetterView => ({
        id: letter.id,
        body: letter.body.toString('utf8'),
        receiveCount: letter.receiveCount,
        ageMs: Math.max(0, now - letter.at),
        lastError: letter.error,
      }));
    },
    redrive: (limit) => source.redriveDeadLetters(limit === undefined ? {} : { limit }),
  });
}

function shardedTool(redis: RedisClient, location: RedisLocation): DeadLetterTool {
  const storage = new RedisStorage(redis, {
    prefix: location.key,
    ...(location.partitions === undefined ? {} : { partitions: location.partitions }),
  });
  return guarded(redis, location, {
    where: `${location.key}dead`,
    count: () => storage.count('dead'),
    list: async (limit) => {
      const now = Date.now();
      return (await storage.deadLetters(limit)).map((letter, index): DeadLetterView => ({
        id: `${letter.tube}#${index + 1}`,
        body: letter.message,
        receiveCount: letter.failures,
        ageMs: Math.max(0, now - letter.at),
        lastError: letter.reason,
      }));
    },
    redrive: (limit) => storage.redriveDeadLetters(limit === undefined ? {} : { limit }),
  });
}

/** Every call's Redis error as a one-line CliError; `close()` disconnects. */
function guarded(redis: RedisClient, location: RedisLocation, tool: Omit<DeadLetterTool, 'close'>): DeadLetterTool {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw failure(error, location);
      }
    };
  return {
    where: tool.where,
    count: wrap(tool.count),
    list: wrap(tool.list),
    redrive: wrap(tool.redrive),
    close: () => {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}

function failure(error: unknown, location: RedisLocation): CliError {
  if (error instanceof CliError) return error;
  return new CliError('CLI_UNREACHABLE', `Redis at ${location.display} failed: ${oneLine(error)}`, { cause: error });
}
