// Runs on the pool threads: turns each order event into an invoice line (CPU work standing
// in for rendering, pricing, signing). A message whose event cannot be priced fails.
import type { Bulk } from '@conveyor/core';
import type { PostgresMessage } from '@conveyor/postgres';

/** One event of an order's life; the queue row's key is the customer, so a customer's events run in order. */
export interface OrderEvent {
  readonly customer: string;
  /** The customer's event number: 0, 1, 2... */
  readonly seq: number;
  readonly orderId: number;
  readonly amountCents: number;
}

export default function priceOrders(bulk: Bulk<PostgresMessage<OrderEvent>>): void {
  for (const message of bulk) {
    const event = message.body;
    // A glitch on the first try of some events: released, charged, retried after its backoff;
    // the customer's later events wait behind it.
    if (event.orderId % 41 === 0 && message.receiveCount === 1) {
      bulk.fail(message, new Error(`pricing service timed out for order ${event.orderId}`));
      continue;
    }
    let digest = event.amountCents;
    for (let round = 0; round < 20_000; round++) digest = (Math.imul(digest, 1_103_515_245) + 12_345) | 0;
  }
}
