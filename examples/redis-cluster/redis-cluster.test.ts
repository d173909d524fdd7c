import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedisCluster } from '@conveyor/conformance';
import type { OwnRedisCluster } from '@conveyor/conformance';
import { runClusterOrders } from './orders.ts';

let cluster: OwnRedisCluster;
beforeAll(async () => {
  cluster = await startOwnRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('example: orders through a queue spread over a Redis Cluster', () => {
  it('handles every order once, each customer’s in order, from partitions on every master', async () => {
    const redis = cluster.connect();
    try {
      const { handled, perPartition } = await runClusterOrders(redis, `example-test-${randomUUID().slice(0, 8)}`, 12, 20);
      expect(handled.size).toBe(12);
      for (const orders of handled.values()) expect(orders).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(perPartition.every((count) => count > 0)).toBe(true);
    } finally {
      await redis.quit();
    }
  });
});
