// node examples/redis-cluster/main.ts
//   REDIS_CLUSTER_SEEDS=host:port,host:port   a cluster of yours; without it, the example starts
//   its own (3 masters, 3 replicas on free loopback ports) and stops it at the end.
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { startOwnRedisCluster } from '@conveyor/conformance';
import { runClusterOrders } from './orders.ts';

const given = process.env.REDIS_CLUSTER_SEEDS?.split(',').map((seed) => {
  const [host, port] = seed.split(':');
  return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
});
const own = given === undefined ? await startOwnRedisCluster() : undefined;
const cluster = new Cluster(given ?? own?.seeds.map((seed) => ({ ...seed })) ?? []);
try {
  const { handled, perPartition } = await runClusterOrders(cluster, `example-orders-${randomUUID().slice(0, 8)}`, 12, 50);
  console.log(
    `handled ${[...handled.values()].reduce((sum, orders) => sum + orders.length, 0)} orders of ${handled.size} customers, each in order`,
  );
  console.log(`messages per partition (one per master): ${perPartition.join(', ')}`);
} finally {
  await cluster.quit();
  await own?.stop();
}
