// The sharded queue's scenarios and the ShardedSource's Source contract on a
// Redis Cluster of the test's own, with the storage in 3 partitions (one per
// master) and locks spread over every slot.
import { afterAll, beforeAll } from 'vitest';
import { delay, runShardedScenarios, runSourceConformance, startOwnRedisCluster } from '@conveyor/conformance';
import type { OwnRedisCluster } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { Queue, RequestHandler, ShardedSource } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';
import type { Cluster } from 'ioredis';
import { uniquePrefix } from './redis-test-client.js';

let cluster: OwnRedisCluster;
let redis: Cluster;
beforeAll(async () => {
  cluster = await startOwnRedisCluster();
  redis = cluster.connect();
});
afterAll(async () => {
  await redis?.quit();
  await cluster?.stop();
});

runShardedScenarios('redis cluster, 3 partitions', async (options) => {
  const prefix = uniquePrefix('cluster-scenario');
  return {
    storage: new RedisStorage(redis, { prefix: `${prefix}s:`, partitions: 3 }),
    lock: new RedisLock(redis, { prefix: `${prefix}l:`, ...(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }) }),
    advance: delay,
    dispose: async () => void (await deleteByPrefix(redis, prefix)),
  };
});

class Body extends RequestHandler<string> {
  handle(): void {}
}

runSourceConformance<ShardedMessage<string>>(
  'ShardedSource (Redis Cluster tubes, one partition: an untagged prefix gets a tag)',
  async () => {
    const prefix = uniquePrefix('cluster-sharded-source');
    const queue = new Queue(new RedisStorage(redis, { prefix: `${prefix}s:` }), { requestHandlers: [Body] });
    const source = new ShardedSource<string>(queue, new RedisLock(redis, { prefix: `${prefix}l:`, timeout: 2_000 }), {
      logger: silentLogger,
      waitTime: 50,
      visibilityTimeout: 400,
      retryBackoff: { baseMs: 20, capMs: 100 },
    });
    return {
      source,
      send: async (bodies) => void (await queue.registerMany(Body, bodies)),
      bodyOf: (message) => message.body,
      dispose: async () => void (await deleteByPrefix(redis, prefix)),
    };
  },
  { redeliveryAfterMs: 400, ordered: true },
);
