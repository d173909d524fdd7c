// The pool threads' handler: "ships" each order; an order of a negative quantity is poison.
import type { Bulk } from '@conveyor/core';
import type { RedisListMessage } from '@conveyor/redis';
import type { Order } from './orders.ts';

export default function shipOrders(bulk: Bulk<RedisListMessage<Order>>): void {
  for (const message of bulk) {
    if (message.body.quantity < 0) bulk.fail(message, new RangeError(`order ${message.body.orderId}: quantity ${message.body.quantity}`));
  }
}
