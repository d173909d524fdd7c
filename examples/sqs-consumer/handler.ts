// Runs on the pool threads, one per core: each order costs a few milliseconds of CPU.
import type { Bulk } from '@conveyor/core';

/** What producers put in the queue (as JSON). */
export interface Order {
  readonly id: number;
  /** How much work the order takes. */
  readonly weight: number;
}

/** The shape both sources deliver: the example's own class (body: JSON text) and SqsSource with bodyFormat 'json'. */
export interface OrderLike {
  readonly body: string | Order;
}

/** Prices an order the slow way: pure CPU, so it scales with threads. */
export function priceOrder(order: Order): number {
  let price = 0;
  for (let step = 1; step <= order.weight * 20_000; step++) price = (price + Math.sqrt(step * order.id + 1)) % 1_000_003;
  return price;
}

export default function handleOrders(bulk: Bulk<OrderLike>): void {
  for (const message of bulk) {
    // A body that is not an order throws: this message and the ones not taken yet go back to the queue.
    const order = typeof message.body === 'string' ? (JSON.parse(message.body) as Order) : message.body;
    if (typeof order.id !== 'number' || typeof order.weight !== 'number') throw new TypeError(`Not an order: ${JSON.stringify(order)}`);
    priceOrder(order);
  }
}
