// Consumes orders from an SQS queue on every core: the OrdersQueue class, given to the
// Consumer as a module, so its handler runs on every pool thread.
//
//   node examples/sqs-consumer/main.ts                     # demo: starts fauxqs on 127.0.0.1, seeds orders, exits when done
//   SQS_ENDPOINT=http://127.0.0.1:4566 QUEUE_URL=... node examples/sqs-consumer/main.ts   # runs until SIGINT/SIGTERM
//   SOURCE=builtin ...                                     # @conveyor/sqs's SqsSource instead of the example's own class
//   DEMO_MESSAGES=1000 ...                                 # how many orders the demo seeds (400)
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { Consumer } from '@conveyor/core';
import { SqsSender, SqsSource } from '@conveyor/sqs';
import type { Order } from './orders.ts';
import type { OrdersQueueOptions } from './orders-queue.ts';
import { watchPricing } from './pricing-report.ts';

const demo = (process.env.SQS_ENDPOINT ?? '') === '';
const builtin = process.env.SOURCE === 'builtin';
let stopServer: (() => Promise<void>) | undefined;
let endpoint = process.env.SQS_ENDPOINT ?? '';
if (demo) {
  // No endpoint given: a local SQS-compatible server, for trying the example out.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  endpoint = `http://127.0.0.1:${server.port}`;
  stopServer = () => server.stop();
}
const clientConfig: SQSClientConfig = {
  endpoint,
  region: process.env.AWS_REGION ?? 'us-east-1',
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' },
};
const client = new SQSClient(clientConfig);

let queueUrl = process.env.QUEUE_URL ?? '';
if (demo) {
  const created = await client.send(new CreateQueueCommand({ QueueName: 'orders' }));
  queueUrl = created.QueueUrl ?? '';
  const count = Number(process.env.DEMO_MESSAGES ?? 400);
  const orders = Array.from({ length: count }, (_, id): Order => ({ id, weight: 10 }));
  await new SqsSender<Order>({ client, queueUrl, bodyFormat: 'json' }).send(orders);
  console.log(`demo: ${count} orders in ${queueUrl}`);
}

const pricing = watchPricing();
const options: OrdersQueueOptions = { queueUrl, clientConfig };
const threads = os.availableParallelism();
const consumer = builtin
  ? new Consumer(new SqsSource({ queueUrl, clientConfig }), {
      handlerModule: new URL('./orders.ts', import.meta.url),
      bulkSize: 10,
      maxHandlers: threads,
    })
  : new Consumer(
      { module: new URL('./orders-queue.ts', import.meta.url), export: 'OrdersQueue', options },
      { bulkSize: 10, maxHandlers: threads },
    );
void consumer.start(); // not awaited: supervise() waits for it (supervise() alone would start it too)
console.log(`consuming ${queueUrl} with ${builtin ? 'SqsSource' : 'OrdersQueue'} on ${threads} pool threads`);

const progress = setInterval(() => {
  const { consumed, failed } = consumer.stats;
  console.log(`consumed ${consumed} failed ${failed}`);
}, 1000);
if (demo) void shutdownWhenDrained();
await consumer.supervise({ blocking: true }); // until SIGINT / SIGTERM (or the demo is done): drains, settles, closes
clearInterval(progress);
client.destroy();
await stopServer?.();
pricing.close();
console.log(`priced ${pricing.orderIds.length} orders; by thread: ${pricing.summary()} (the main thread is #${threadId})`);
console.log(`stopped cleanly: consumed ${consumer.stats.consumed} failed ${consumer.stats.failed}`);

async function shutdownWhenDrained(): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (
      Attributes?.ApproximateNumberOfMessages === '0' &&
      Attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
      consumer.stats.inFlight === 0
    )
      break;
  }
  await consumer.shutdown();
}
