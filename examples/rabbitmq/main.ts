// Consumes orders from a RabbitMQ queue on every core, in order per customer.
//
//   node examples/rabbitmq/main.ts                    # demo: seeds 300 orders (3 bad ones), exits when all are settled
//   DEMO_MESSAGES=0 node examples/rabbitmq/main.ts    # consumes until SIGINT/SIGTERM
//   RABBITMQ_URL=amqp://user:pass@host:5672/vhost QUEUE=orders ...
import { availableParallelism } from 'node:os';
import { Consumer } from '@conveyor/core';
import { RabbitMqSender, RabbitMqSource } from '@conveyor/rabbitmq';
import type { Order } from './handler.ts';

const url = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const queue = process.env.QUEUE ?? 'conveyor-example-orders';
const demo = Number(process.env.DEMO_MESSAGES ?? 300);
const customers = 20;

// Ordered per customer (the `customer` header): one order of a customer in flight at a
// time, a failed one retried in place; customers run in parallel on every core.
const source = new RabbitMqSource<Order>({
  url,
  queue,
  bodyFormat: 'json',
  orderingKey: { header: 'customer' },
  maxReceiveCount: 3,
  retryBackoff: { baseMs: 200, capMs: 1_000 },
});
let deadLetters = 0;
source.on('deadLettered', (message, reason, error) => {
  deadLetters++;
  console.log(`dead letter: ${message.id} after ${message.failures} failures (${reason}: ${String(error)})`);
});
await source.inspect(); // declares the queue, its dead-letter exchange and queue

if (demo > 0) {
  const sender = new RabbitMqSender({ url, queue });
  const orders: Order[] = Array.from({ length: demo }, (_, id) => ({
    id,
    customer: `c${id % customers}`,
    weight: id % 100 === 42 ? -1 : 1,
  }));
  for (const order of orders) await sender.send(order, { headers: { customer: order.customer }, messageId: `order-${order.id}` });
  await sender.close();
  console.log(`demo: ${demo} orders of ${customers} customers in ${queue}`);
}

const consumer = new Consumer(source, {
  handlerModule: new URL('./handler.ts', import.meta.url),
  maxHandlers: availableParallelism(),
  bulkSize: 16,
});
await consumer.start();
console.log(`consuming ${queue} on ${availableParallelism()} threads, in order per customer`);
const progress = setInterval(() => console.log(`consumed ${consumer.stats.consumed} failed ${consumer.stats.failed}`), 1_000);
if (demo > 0) void shutdownWhenSettled();
await consumer.supervise({ blocking: true }); // until SIGINT / SIGTERM (or the demo is done): drains, settles, closes
clearInterval(progress);
console.log(`stopped cleanly: consumed ${consumer.stats.consumed} dead letters ${deadLetters}`);

async function shutdownWhenSettled(): Promise<void> {
  while (consumer.stats.consumed + deadLetters < demo) await new Promise((resolve) => setTimeout(resolve, 200));
  await consumer.shutdown();
}
