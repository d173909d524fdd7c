import { InvalidOptionError, silentLogger } from '@conveyor/core';
import { RedisListSource, RedisPartitionedListSource } from '@conveyor/redis';
import type { RedisClient } from '@conveyor/redis';
import { CliError } from './cli-error.js';
import type { RedisLocation } from './source-url.js';

/**
 * The list source a `redis://` URL names: a `RedisListSource`, or a
 * `RedisPartitionedListSource` with `?partitions=`. A key it cannot take (one
 * that could not keep its side keys in its Cluster slot) is a bad URL.
 */
export function redisListSourceAt(redis: RedisClient, location: RedisLocation): RedisListSource | RedisPartitionedListSource {
  try {
    return location.partitions === undefined
      ? new RedisListSource(redis, { key: location.key, logger: silentLogger })
      : new RedisPartitionedListSource(redis, { key: location.key, partitions: location.partitions, logger: silentLogger });
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new CliError('CLI_BAD_URL', `${location.display}: ${error.message}`, { cause: error });
    throw error;
  }
}
