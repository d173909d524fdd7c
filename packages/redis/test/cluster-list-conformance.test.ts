// The Source contract of the list sources on a Redis Cluster of the test's own
// (3 masters, 3 replicas): every script touches one slot, or Redis refuses it.
import { runSourceConformance, useOwnRedisCluster } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisListSource, RedisPartitionedListSource } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';
import { uniquePrefix } from './redis-test-client.js';

const own = useOwnRedisCluster();

const options = {
  waitTime: 50,
  visibilityTimeout: 400,
  retryBackoff: { baseMs: 50, capMs: 200 },
  logger: silentLogger,
} as const;

runSourceConformance<RedisListMessage>(
  'RedisListSource on Redis Cluster',
  async () => {
    const source = new RedisListSource(own.redis, { ...options, key: `${uniquePrefix('cluster-list')}jobs` });
    return {
      source,
      send: async (bodies) => void (await source.send(...bodies)),
      bodyOf: (message) => message.body,
      dispose: () => source.clear(),
      deadLetterCount: async () => (await source.inspect()).deadLetters ?? 0,
    };
  },
  { redeliveryAfterMs: 400, ordered: true, minRetryDelayMs: 25 },
);

runSourceConformance<RedisListMessage>(
  'RedisPartitionedListSource (3 partitions) on Redis Cluster',
  async () => {
    const source = new RedisPartitionedListSource(own.redis, { ...options, key: uniquePrefix('cluster-partitioned'), partitions: 3 });
    return {
      source,
      send: async (bodies) => void (await source.send(...bodies)),
      bodyOf: (message) => message.body,
      dispose: () => source.clear(),
      deadLetterCount: async () => (await source.inspect()).deadLetters ?? 0,
    };
  },
  { redeliveryAfterMs: 400, minRetryDelayMs: 25 },
);
