// The sharded queue's scenarios and the ShardedSource's Source contract on a
// Redis Cluster of the test's own, with the storage in 3 partitions (one per
// master) and locks spread over every slot.
import { describe, expect, it } from 'vitest';
import { delay, runShardedScenarios, runSourceConformance, useOwnRedisCluster } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { Queue, RequestHandler, Route, ShardedSource, Worker } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';
import { uniquePrefix } from './redis-test-client.js';

const own = useOwnRedisCluster();

runShardedScenarios('redis own.cluster, 3 partitions', async (options) => {
  const prefix = uniquePrefix('cluster-scenario');
  return {
    storage: new RedisStorage(own.redis, { prefix: `${prefix}s:`, partitions: 3 }),
    lock: new RedisLock(own.redis, {
      prefix: `${prefix}l:`,
      ...(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }),
    }),
    advance: delay,
    dispose: async () => void (await deleteByPrefix(own.redis, prefix)),
  };
});

class Body extends RequestHandler<string> {
  handle(): void {}
}

for (const partitions of [undefined, 3]) {
  runSourceConformance<ShardedMessage<string>>(
    partitions === undefined
      ? 'ShardedSource (Redis Cluster tubes, one partition: an untagged prefix gets a tag)'
      : `ShardedSource (Redis Cluster tubes, ${partitions} partitions)`,
    async () => {
      const prefix = uniquePrefix('cluster-sharded-source');
      const storage = new RedisStorage(own.redis, { prefix: `${prefix}s:`, ...(partitions === undefined ? {} : { partitions }) });
      const queue = new Queue(storage, { requestHandlers: [Body] });
      const source = new ShardedSource<string>(queue, new RedisLock(own.redis, { prefix: `${prefix}l:`, timeout: 2_000 }), {
        logger: silentLogger,
        waitTime: 50,
        visibilityTimeout: 400,
        retryBackoff: { baseMs: 20, capMs: 100 },
      });
      return {
        source,
        send: async (bodies) => void (await queue.registerMany(Body, bodies)),
        bodyOf: (message) => message.body,
        dispose: async () => void (await deleteByPrefix(own.redis, prefix)),
      };
    },
    { redeliveryAfterMs: 400, ordered: true },
  );
}

describe('a sharded queue spread over the cluster', () => {
  it('puts the 3 partitions on the 3 masters, and workers handle every thread in order', async () => {
    const prefix = uniquePrefix('cluster-spread');
    const storage = new RedisStorage(own.redis, { prefix: `${prefix}s:`, partitions: 3 });
    const masters = await Promise.all(storage.partitionPrefixes.map((base) => own.cluster.masterOf(`${base}threads`)));
    expect(new Set(masters).size).toBe(3);

    const handled = new Map<number, number[]>();
    class Numbered extends RequestHandler<{ thread: number; n: number }> {
      static override route(...requests: { thread: number; n: number }[]): Route[] {
        return requests.map((request) => new Route(request.thread));
      }
      handle(...requests: { thread: number; n: number }[]): void {
        for (const { thread, n } of requests) handled.set(thread, [...(handled.get(thread) ?? []), n]);
      }
    }
    const queue = new Queue(storage, { requestHandlers: [Numbered] });
    for (let n = 0; n < 5; n++) await queue.register(Numbered, ...Array.from({ length: 30 }, (_, thread) => ({ thread, n })));
    // Every partition holds some of the 30 threads.
    const perPartition = await Promise.all(storage.partitionPrefixes.map((base) => own.redis.scard(`${base}threads`)));
    expect(perPartition.every((count) => count > 0)).toBe(true);
    expect(perPartition.reduce((sum, count) => sum + count, 0)).toBe(30);

    const worker = new Worker(new RedisLock(own.redis, { prefix: `${prefix}l:` }), queue, {
      logger: silentLogger,
      emptyPause: 0,
      acquireDelay: 20,
    });
    await Promise.all([worker.loop(75), worker.loop(75)]);
    expect([...handled.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, thread) => thread));
    for (const order of handled.values()) expect(order).toEqual([0, 1, 2, 3, 4]);
    await deleteByPrefix(own.redis, prefix);
  });
});
