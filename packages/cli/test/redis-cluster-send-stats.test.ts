// `conveyor send` and `conveyor stats` on a Redis Cluster of the test's own,
// through `redis+cluster://` seeds: a list, a partitioned list, a partitioned sharded queue.
import { describe, expect, it } from 'vitest';
import { useOwnRedisCluster } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisListSource, RedisPartitionedListSource, RedisStorage } from '@conveyor/redis';
import { Queue, RequestHandler, Route } from '@conveyor/sharded';
import { cli, jsonLines, uniqueKey } from './helpers.js';

class NotifyHandler extends RequestHandler<{ userId: number }> {
  static override handlerName = 'Notify';
  static override route(...requests: { userId: number }[]): Route[] {
    return requests.map((request) => new Route(request.userId % 4));
  }
  async handle(): Promise<void> {}
}

const own = useOwnRedisCluster();

describe('send and stats on a Redis Cluster', () => {
  it('sends to a list through the seeds, and stats counts it', async () => {
    const list = uniqueKey('cluster-list');
    const url = `${own.cluster.url}${encodeURIComponent(list)}`;
    const sent = await cli(['send', url], { input: jsonLines(Array.from({ length: 50 }, (_, n) => ({ n }))) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const source = new RedisListSource(own.redis, { key: list, logger: silentLogger });
    expect(await source.size()).toBe(50);
    const stats = await cli(['stats', url, '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ kind: 'redis-list', waiting: 50, inFlight: 0, deadLetters: 0 });
    await source.clear();
  });

  it('sends round robin to a partitioned list (?partitions=), and stats adds the partitions up', async () => {
    const key = uniqueKey('cluster-partitioned');
    const url = `${own.cluster.url}${encodeURIComponent(key)}?partitions=3`;
    const sent = await cli(['send', url], { input: jsonLines(Array.from({ length: 30 }, (_, n) => ({ n }))) });
    expect(sent.code).toBe(0);
    const source = new RedisPartitionedListSource(own.redis, { key, partitions: 3, logger: silentLogger });
    expect(await Promise.all(source.partitions.map((partition) => partition.size()))).toEqual([10, 10, 10]);
    const stats = await cli(['stats', url, '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ kind: 'redis-list', waiting: 30, details: { partitions: 3 } });
    await source.clear();
  });

  it('reads a sharded queue whose threads are spread over partitions', async () => {
    const prefix = `${uniqueKey('cluster-sharded')}:`;
    const storage = new RedisStorage(own.redis, { prefix, partitions: 3 });
    const queue = new Queue(storage, { requestHandlers: [NotifyHandler] });
    await queue.register(NotifyHandler, ...Array.from({ length: 12 }, (_, userId) => ({ userId })));
    const stats = await cli(['stats', `${own.cluster.url}${encodeURIComponent(prefix)}?partitions=3`, '--json']);
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout)).toMatchObject({ kind: 'redis-sharded', waiting: 12, details: { threads: 4 } });
    await storage.clear();
  });

  it('says which seeds it could not reach', async () => {
    const result = await cli(['stats', 'redis+cluster://127.0.0.1:1,127.0.0.1:2/jobs']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^conveyor: Cannot reach the Redis Cluster at 127\.0\.0\.1:1,127\.0\.0\.1:2: no seed answered/);
  });
});
