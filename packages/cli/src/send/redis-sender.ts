import { InvalidOptionError, silentLogger } from '@conveyor/core';
import { RedisListSender, RedisPartitionedListSource } from '@conveyor/redis';
import { CliError } from '../cli-error.js';
import { oneLine } from '../describe-error.js';
import { connectRedis } from '../redis-connection.js';
import { detectStructure } from '../stats/redis-inspector.js';
import type { RedisLocation } from '../source-url.js';
import type { Sender } from './sender.js';

/**
 * Appends each line to a Redis list source's queue, in order, through `RedisListSender`
 * (id in the list, body stored once); round robin over the partitions of a partitioned
 * queue (`?partitions=`), through `RedisPartitionedListSource.send()`.
 */
export async function openRedisSender(location: RedisLocation): Promise<Sender> {
  const redis = await connectRedis(location);
  try {
    const structure = location.structure ?? (await detectStructure(redis, location.key, location.partitions));
    if (structure === 'sharded') {
      throw new CliError(
        'CLI_UNSUPPORTED',
        `${location.display} is a sharded queue: requests are routed by their RequestHandler class, so register them in code (queue.register(SomeRequestHandler, ...requests)); send works with Redis lists`,
      );
    }
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  let send: (bodies: string[]) => Promise<unknown>;
  try {
    if (location.partitions === undefined) {
      const sender = new RedisListSender(redis, { key: location.key });
      send = (bodies) => sender.send(bodies);
    } else {
      const source = new RedisPartitionedListSource(redis, { key: location.key, partitions: location.partitions, logger: silentLogger });
      send = (bodies) => source.send(...bodies);
    }
  } catch (error) {
    redis.disconnect();
    if (error instanceof InvalidOptionError) throw new CliError('CLI_BAD_URL', `${location.display}: ${error.message}`, { cause: error });
    throw error;
  }
  return {
    batchSize: 1000,
    async send(lines) {
      try {
        await send(lines.map((line) => line.text));
      } catch (error) {
        throw new CliError('CLI_UNREACHABLE', `Sending to ${location.display} failed: ${oneLine(error)}`, { cause: error });
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
