// Consumes orders from an SQS queue on every core.
//
//   node examples/sqs-consumer/main.ts                     # demo: starts fauxqs on 127.0.0.1, seeds orders, exits when done
//   SQS_ENDPOINT=http://127.0.0.1:4566 QUEUE_URL=... node examples/sqs-consumer/main.ts   # runs until SIGINT/SIGTERM
//   SOURCE=builtin ...                                     # @conveyor/sqs's SqsSource instead of the example's own class
import { availableParallelism } from 'node:os';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from '@conveyor/core';
import type { Source } from '@conveyor/core';
import { SqsSource } from '@conveyor/sqs';
import type { Order, OrderLike } from './handler.ts';
import { OrdersQueue } from './orders-queue.ts';

const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' };
const demo = process.env.SQS_ENDPOINT === undefined;
let stopServer: (() => Promise<void>) | undefined;
let endpoint = process.env.SQS_ENDPOINT ?? '';
if (demo) {
  // No endpoint given: a local SQS-compatible server, for trying the example out.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  endpoint = server.address;
  stopServer = () => server.stop();
}
const client = new SQSClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials });

let queueUrl = process.env.QUEUE_URL ?? '';
if (demo) {
  const created = await client.send(new CreateQueueCommand({ QueueName: 'orders' }));
  queueUrl = created.QueueUrl ?? '';
  const count = Number(process.env.DEMO_MESSAGES ?? 400);
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, offset): { Id: string; MessageBody: string } => {
      const order: Order = { id: start + offset, weight: 10 };
      return { Id: String(offset), MessageBody: JSON.stringify(order) };
    });
    await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
  console.log(`demo: ${count} orders in ${queueUrl}`);
}

const source: Source<OrderLike> =
  process.env.SOURCE === 'builtin' ? new SqsSource<Order>({ client, queueUrl, bodyFormat: 'json' }) : new OrdersQueue(client, queueUrl);
const consumer = new Consumer(source, {
  handlerModule: new URL('./handler.ts', import.meta.url),
  maxHandlers: availableParallelism(),
  bulkSize: 10,
});
await consumer.start();
console.log(
  `consuming ${queueUrl} with ${process.env.SOURCE === 'builtin' ? 'SqsSource' : 'OrdersQueue'} on ${availableParallelism()} threads`,
);

const progress = setInterval(() => {
  const { consumed, failed } = consumer.stats;
  console.log(`consumed ${consumed} failed ${failed}`);
}, 1000);
if (demo) void shutdownWhenDrained();
await consumer.supervise({ blocking: true }); // until SIGINT / SIGTERM (or the demo is done): drains, settles, closes
clearInterval(progress);
client.destroy();
await stopServer?.();
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
