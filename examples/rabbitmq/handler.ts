// Runs on the pool threads, one per core: each order costs about a millisecond of CPU.
import type { Bulk } from '@conveyor/core';
import type { RabbitMqMessage } from '@conveyor/rabbitmq';

/** What producers put in the queue (as JSON), with a `customer` header. */
export interface Order {
  readonly id: number;
  readonly customer: string;
  /** How much work the order takes; a negative one cannot be priced. */
  readonly weight: number;
}

/** Prices an order the slow way: pure CPU, so it scales with threads. */
export function priceOrder(order: Order): number {
  let price = 0;
  for (let step = 1; step <= order.weight * 20_000; step++) price = (price + Math.sqrt(step * order.id + 1)) % 1_000_003;
  return price;
}

export default function handleOrders(bulk: Bulk<RabbitMqMessage<Order>>): void {
  for (const message of bulk) {
    // A throw fails this order (charged: it comes back after its backoff, and goes to the
    // dead letters after maxReceiveCount); the orders not taken yet go back uncharged.
    if (message.body.weight < 0) throw new RangeError(`Order ${message.body.id} has a negative weight`);
    priceOrder(message.body);
  }
}
