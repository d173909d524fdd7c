// Consumes orders from a JetStream stream on every core.
//
//   node examples/nats/main.ts                          # demo: publishes orders (two of them broken), exits once drained
//   NATS_URL=nats://host:4222 STREAM=ORDERS DEMO=0 node examples/nats/main.ts   # runs until SIGINT/SIGTERM
//
// The source creates the stream (subjects ORDERS.>), the durable consumer `pricing`
// and the dead-letter stream ORDERS_dead_letters when they are absent.
import { availableParallelism } from 'node:os';
import { Consumer } from '@conveyor/core';
import { NatsSender, NatsSource } from '@conveyor/nats';
import type { Order } from './handler.ts';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const stream = process.env.STREAM ?? 'ORDERS';
const demo = process.env.DEMO !== '0';

const source = new NatsSource<Order>({
  servers,
  stream,
  consumer: 'pricing',
  bodyFormat: 'json',
  maxReceiveCount: 3,
  retryBackoff: { baseMs: 100 },
});
await source.bind();

if (demo) {
  const count = Number(process.env.DEMO_MESSAGES ?? 400);
  const sender = new NatsSender({ servers, subject: `${stream}.new`, bodyFormat: 'json' });
  const orders: { body: unknown; msgID: string }[] = Array.from({ length: count }, (_, id) => ({
    body: { id, weight: 5 },
    msgID: `order-${id}`,
  }));
  orders.push({ body: { id: 'broken-1' }, msgID: 'broken-1' }, { body: { id: 'broken-2' }, msgID: 'broken-2' });
  await sender.sendBatch(orders);
  await sender.close();
  console.log(`demo: ${count} orders and 2 broken ones published to ${stream}.new`);
}

const consumer = new Consumer(source, {
  handlerModule: new URL('./handler.ts', import.meta.url),
  maxHandlers: availableParallelism(),
  bulkSize: 20,
});
await consumer.start();
console.log(`consuming ${stream}/pricing on ${availableParallelism()} threads`);

const progress = setInterval(() => {
  const { consumed, failed } = consumer.stats;
  console.log(`consumed ${consumed} failed ${failed}`);
}, 1000);
// The last look at the depth before the source closes.
let last = { waiting: 0, inFlight: 0, deadLetters: 0 };
if (demo) void shutdownWhenDrained();
await consumer.supervise({ blocking: true }); // until SIGINT / SIGTERM (or the demo is done): drains, settles, closes
clearInterval(progress);
console.log(`stopped cleanly: consumed ${consumer.stats.consumed} dead letters ${last.deadLetters}`);

async function shutdownWhenDrained(): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const depth = await source.inspect();
    last = { waiting: depth.waiting, inFlight: depth.inFlight ?? 0, deadLetters: depth.deadLetters ?? 0 };
    if (last.waiting === 0 && last.inFlight === 0 && consumer.stats.inFlight === 0) break;
  }
  await consumer.shutdown();
}
