// Runs on the pool threads: each order costs a little CPU. An order without a weight
// throws: it comes back after its retry backoff, and goes to the dead letters after
// maxReceiveCount failed deliveries.
import type { Bulk } from '@conveyor/core';
import type { NatsMessage } from '@conveyor/nats';

/** What producers publish (as JSON). */
export interface Order {
  readonly id: number;
  /** How much work the order takes. */
  readonly weight: number;
}

/** Prices an order the slow way: pure CPU, so it scales with threads. */
export function priceOrder(order: Order): number {
  let price = 0;
  for (let step = 1; step <= order.weight * 20_000; step++) price = (price + Math.sqrt(step * order.id + 1)) % 1_000_003;
  return price;
}

export default function handleOrders(bulk: Bulk<NatsMessage<Order>>): void {
  for (const message of bulk) {
    const order = message.body;
    if (typeof order.id !== 'number' || typeof order.weight !== 'number') throw new TypeError(`Not an order: ${JSON.stringify(order)}`);
    priceOrder(order);
  }
}
