// What the queue carries, and the CPU-heavy work of pricing it: pure JavaScript, so it
// scales with pool threads. Also the handler module of the SOURCE=builtin variant.
import type { Bulk } from '@conveyor/core';
import { reportPriced } from './pricing-report.ts';

/** What producers put in the queue (as JSON). */
export interface Order {
  readonly id: number;
  /** How much work pricing it takes: about a millisecond of CPU per 5 (more on a busy machine). */
  readonly weight: number;
}

/** Prices an order the slow way. */
export function priceOrder(order: Order): number {
  let price = 0;
  for (let step = 1; step <= order.weight * 20_000; step++) price = (price + Math.sqrt(step * order.id + 1)) % 1_000_003;
  return price;
}

/** The order in a message body (JSON text); throws on anything else. */
export function parseOrder(body: string): Order {
  const order = JSON.parse(body) as Partial<Order> | null;
  if (typeof order?.id !== 'number' || typeof order.weight !== 'number') throw new TypeError(`Not an order: ${body.slice(0, 100)}`);
  return { id: order.id, weight: order.weight };
}

/**
 * Prices every order of a bulk, then says which thread did (`pricing-report.ts`).
 * A body that is not an order throws: that message fails (it comes back later),
 * the ones taken before it are consumed, the untaken ones go back at once.
 */
export default function priceOrders(bulk: Bulk<{ readonly body: string }>): void {
  const priced: number[] = [];
  try {
    for (const message of bulk) {
      const order = parseOrder(message.body);
      priceOrder(order);
      priced.push(order.id);
    }
  } finally {
    reportPriced(priced);
  }
}
