import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { RabbitMqError, RabbitMqSender, RabbitMqSource } from '../src/index.js';
import type { RabbitMqMessage } from '../src/index.js';
import { Broker, rabbitUrl, uniqueName } from './helpers.js';

let broker: Broker;
const queues: string[] = [];
const exchanges: string[] = [];
beforeAll(async () => {
  broker = await Broker.connect();
});
afterAll(async () => {
  for (const queue of queues) await broker.deleteTopology(queue);
  for (const exchange of exchanges) await broker.deleteExchange(exchange);
  await broker.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

it('sends persistent messages with confirms, headers and properties; strings as text, objects as JSON, bytes as they are', async () => {
  const queue = uniqueName('sender');
  queues.push(queue);
  const source = new RabbitMqSource<Buffer>({
    url: rabbitUrl,
    queue,
    queueType: 'classic',
    bodyFormat: 'buffer',
    waitTime: 1_000,
    logger: silentLogger,
  });
  await source.inspect();
  const sender = new RabbitMqSender({ url: rabbitUrl, queue });
  const ids = await sender.sendMany([{ n: 1 }, 'two', Buffer.from([3])], { headers: { tenant: 't-1' }, correlationId: 'c-9' });
  const single = await sender.send('four', { messageId: 'my-id', priority: 3, type: 'greeting' });
  expect(single).toBe('my-id');
  expect(await broker.count(queue)).toBe(4);

  const received: RabbitMqMessage<Buffer>[] = [];
  while (received.length < 4) received.push(...(await source.get(new AbortController().signal, { maxMessages: 10 })));
  expect(received.map((message) => message.id)).toEqual([...ids, 'my-id']);
  expect(received.map((message) => message.body.toString())).toEqual(['{"n":1}', 'two', '\u0003', 'four']);
  expect(received.map((message) => message.properties.contentType)).toEqual([
    'application/json',
    'text/plain',
    'application/octet-stream',
    'text/plain',
  ]);
  expect(received[0]).toMatchObject({
    headers: { tenant: 't-1' },
    properties: { correlationId: 'c-9', deliveryMode: 2 },
    routingKey: queue,
    exchange: '',
  });
  expect(received[3]?.properties).toMatchObject({ priority: 3, type: 'greeting' });
  source.cleanup(received);
  await source.close();
  await sender.close();
});

it('publishes to an exchange with a routing key; a mandatory message no queue receives rejects instead of vanishing', async () => {
  const exchange = uniqueName('sender-exchange');
  const queue = uniqueName('sender-bound');
  exchanges.push(exchange);
  queues.push(queue);
  await broker.bind(queue, exchange, 'orders.*');
  const sender = new RabbitMqSender({ url: rabbitUrl, exchange, routingKey: 'orders.created' });
  await sender.send('routed');
  expect(await broker.count(queue)).toBe(1);

  const unroutable = await rejection(sender.send('nowhere', { routingKey: 'invoices.created' }));
  expect(unroutable).toBeInstanceOf(RabbitMqError);
  expect(unroutable).toMatchObject({ code: 'RABBITMQ_UNROUTABLE' });
  // The sender goes on after a returned message.
  await sender.sendMany(['a', 'b'], { routingKey: 'orders.updated' });
  expect(await broker.count(queue)).toBe(3);

  const toMissingQueue = new RabbitMqSender({ url: rabbitUrl, queue: uniqueName('no-such-queue') });
  expect(await rejection(toMissingQueue.send('lost?'))).toMatchObject({ code: 'RABBITMQ_UNROUTABLE' });
  const fireAndForget = new RabbitMqSender({ url: rabbitUrl, queue: uniqueName('no-such-queue'), mandatory: false });
  await fireAndForget.send('dropped by the broker, as asked');
  for (const each of [sender, toMissingQueue, fireAndForget]) await each.close();
});
