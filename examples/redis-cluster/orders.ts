// Orders of many customers through one queue spread over a Redis Cluster: a
// RedisPartitionedListSource with one partition per master. Producers send with
// sendByKey(customer) and durableSend (a replica confirms every send, so a master's
// failover loses none); a Consumer handles each customer's orders one at a time, in
// order (orderingKey), while customers run in parallel.
import type { Cluster } from 'ioredis';
import { Consumer, silentLogger } from '@conveyor/core';
import { RedisPartitionedListSource } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';

export interface Order {
  readonly customer: string;
  readonly n: number;
}

export interface ClusterOrdersResult {
  /** Each customer's order numbers, in the order they were handled. */
  readonly handled: ReadonlyMap<string, number[]>;
  /** Messages each partition received. */
  readonly perPartition: readonly number[];
}

/** Sends `perCustomer` orders for each of `customers` customers, then handles them all. */
export async function runClusterOrders(
  cluster: Cluster,
  key: string,
  customers: number,
  perCustomer: number,
): Promise<ClusterOrdersResult> {
  const source = new RedisPartitionedListSource<Order>(cluster, {
    key,
    partitions: 3,
    bodyFormat: 'json',
    durableSend: { replicas: 1, timeoutMs: 2000 },
    waitTime: 100,
  });
  const perPartition = [0, 0, 0];
  for (let n = 0; n < perCustomer; n++) {
    for (let c = 0; c < customers; c++) {
      const customer = `customer-${c}`;
      await source.sendByKey(customer, JSON.stringify({ customer, n }));
      perPartition[source.partitionOf(customer)]! += 1;
    }
  }

  const handled = new Map<string, number[]>();
  let count = 0;
  const consumer = new Consumer<RedisListMessage<Order>>(source, {
    handler(bulk) {
      for (const { body } of bulk) {
        handled.set(body.customer, [...(handled.get(body.customer) ?? []), body.n]);
        count++;
      }
    },
    orderingKey: (message) => message.body.customer,
    maxPollers: 3,
    bulkSize: 16,
    logger: silentLogger,
  });
  await consumer.start();
  while (count < customers * perCustomer || ((await source.inspect()).inFlight ?? 0) > 0)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await consumer.shutdown();
  await source.clear();
  return { handled, perPartition };
}
