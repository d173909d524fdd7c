// Orders through a Redis list: a new producer sends with RedisListSource.send(), a legacy one
// RPUSHes JSON straight onto the list, and a Consumer ships them on pool threads. A poison
// order (negative quantity) is retried after a backoff and ends in the dead letters.
import type { Redis } from 'ioredis';
import { Consumer, silentLogger } from '@conveyor/core';
import { RedisListSource } from '@conveyor/redis';
import type { RedisListDeadLetter, RedisListMessage } from '@conveyor/redis';

export interface Order {
  readonly orderId: number;
  readonly quantity: number;
}

export interface OrdersResult {
  /** Order ids shipped (each once). */
  readonly shipped: number[];
  readonly deadLetters: RedisListDeadLetter[];
}

/** Sends `count` orders (half through `send()`, half by a raw RPUSH, one poison) and ships them all. */
export async function runOrders(redis: Redis, key: string, count: number): Promise<OrdersResult> {
  const source = new RedisListSource<Order>(redis, {
    key,
    bodyFormat: 'json',
    waitTime: 100,
    maxReceiveCount: 3,
    retryBackoff: { baseMs: 20, capMs: 100 },
  });
  const orders = Array.from({ length: count }, (_, orderId) => ({ orderId, quantity: orderId === 7 ? -1 : 1 + (orderId % 5) }));
  const half = Math.floor(count / 2);
  await source.send(...orders.slice(0, half).map((order) => JSON.stringify(order)));
  await redis.rpush(key, ...orders.slice(half).map((order) => JSON.stringify(order))); // a producer that knows only RPUSH

  const shipped: number[] = [];
  const consumer = new Consumer<RedisListMessage<Order>>(source, {
    handlerModule: new URL('./handler.ts', import.meta.url),
    maxHandlers: 2,
    bulkSize: 16,
    logger: silentLogger,
  });
  consumer.on('consumed', (messages) => shipped.push(...messages.map((message) => message.body.orderId)));
  await consumer.start();
  while (shipped.length < count - 1 || (await source.inspect()).deadLetters === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await consumer.shutdown();
  return { shipped, deadLetters: await source.deadLetters() };
}
