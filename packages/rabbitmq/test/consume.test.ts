import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import amqp from 'amqplib';
import { Consumer, silentLogger } from '@conveyor/core';
import type { ConveyorError } from '@conveyor/core';
import { RabbitMqSource } from '../src/index.js';
import type { RabbitMqMessage } from '../src/index.js';
import { Broker, closeConnectionsNamed, rabbitUrl, uniqueName, until } from './helpers.js';

let broker: Broker;
const queues: string[] = [];
beforeAll(async () => {
  broker = await Broker.connect();
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const queue of queues.splice(0)) await broker.deleteTopology(queue);
});
afterAll(async () => {
  await broker.close();
});

function newQueue(prefix: string): string {
  const queue = uniqueName(prefix);
  queues.push(queue);
  return queue;
}

const bodies = (count: number, prefix: string): string[] => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

it("sizes the prefetch from the Consumer's maxInFlight, and never holds more than that", async () => {
  const queue = newQueue('prefetch');
  const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', logger: silentLogger });
  await source.inspect();
  await broker.send(queue, bodies(600, 'p'));
  let most = 0;
  const consumed = new Set<string>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 4,
    maxInFlight: 120,
    bulkSize: 10,
    async handler(bulk) {
      most = Math.max(most, source.inFlight);
      for (const message of bulk) consumed.add(message.body);
      await new Promise((resolve) => setTimeout(resolve, 2));
    },
  });
  await consumer.start();
  await until(() => consumed.size === 600, 20_000, 'every message consumed');
  await consumer.shutdown();
  expect(source.prefetch).toBe(120);
  expect(most).toBeGreaterThan(10);
  expect(most).toBeLessThanOrEqual(120);
  expect(await broker.count(queue)).toBe(0);
});

it('acks contiguous deliveries with one multiple ack: far fewer ack frames than messages, none left unacked', async () => {
  const queue = newQueue('multiple-ack');
  const channelClass = Object.getPrototypeOf(await probeChannel()) as { ack: (...args: unknown[]) => void };
  const ack = vi.spyOn(channelClass, 'ack');
  const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', logger: silentLogger });
  await source.inspect();
  await broker.send(queue, bodies(2_000, 'a'));
  let consumed = 0;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 50,
    handler(bulk) {
      for (const message of bulk) if (message.body !== '') consumed++;
    },
  });
  await consumer.start();
  await until(() => consumed >= 2_000, 20_000, 'every message consumed');
  await until(() => source.inFlight === 0, 5_000, 'every delivery acked');
  await consumer.shutdown();
  const multiples = ack.mock.calls.filter((call) => call[1] === true).length;
  expect(multiples).toBeGreaterThan(0);
  expect(ack.mock.calls.length).toBeLessThan(2_000 / 5);
  // Closing the channel would have put back anything unacked.
  expect(await broker.count(queue)).toBe(0);
});

it('a lost connection: deliveries of the old channel are never acked on the new one; they come back, nothing is lost', async () => {
  const queue = newQueue('lost-connection');
  const connectionName = uniqueName('conveyor-lost');
  const source = new RabbitMqSource<string>({
    url: rabbitUrl,
    queue,
    queueType: 'quorum',
    connectionName,
    waitTime: 500,
    logger: silentLogger,
  });
  const errors: ConveyorError[] = [];
  const generations: number[] = [];
  source.on('error', (error) => errors.push(error));
  source.on('connected', ({ generation }) => generations.push(generation));
  await source.inspect();
  await broker.send(queue, bodies(20, 'l'));
  const signal = new AbortController().signal;
  const first = await source.get(signal, { maxMessages: 10 });
  expect(first).toHaveLength(10);
  expect(first.every((message) => message.receipt.generation === 1)).toBe(true);
  source.cleanup(first.slice(0, 5));
  // Acks have no reply, and a quorum queue's counts lag: give the broker time to apply them
  // before the connection goes, or they race the close (then those 5 would come back too).
  await new Promise((resolve) => setTimeout(resolve, 500));

  expect(await closeConnectionsNamed(connectionName)).toBe(1);
  await until(() => generations.includes(2), 15_000, 'a new channel generation');
  // Settling receipts of generation 1 on generation 2's channel would ack other messages
  // (or close the channel with PRECONDITION_FAILED - unknown delivery tag): it does nothing.
  source.cleanup(first.slice(5));
  await source.release(first.slice(5), new Error('too late'));

  const received = new Map<string, RabbitMqMessage<string>>();
  await until(
    async () => {
      const bulk = await source.get(signal, { maxMessages: 50 });
      for (const message of bulk) received.set(message.body, message);
      source.cleanup(bulk);
      return received.size === 15;
    },
    15_000,
    'the unacked messages delivered again',
  );
  // The 5 consumed ones were acked before the loss; the 5 settled too late come back, redelivered and uncounted.
  const again = first.slice(5).map((message) => received.get(message.body));
  expect(again.every((message) => message?.redelivered === true && message.receiveCount === 1 && message.receipt.generation === 2)).toBe(
    true,
  );
  for (const message of first.slice(0, 5)) expect(received.has(message.body)).toBe(false);
  expect(generations).toEqual([1, 2]);
  expect(errors.some((error) => error.code === 'RABBITMQ_CONNECTION')).toBe(true);
  expect(errors.filter((error) => error.code === 'RABBITMQ_CHANNEL')).toEqual([]);
  await until(() => source.inFlight === 0, 5_000, 'every delivery acked');
  await source.close();
  expect(await broker.drain(queue)).toEqual([]);
});

/** A channel of amqplib, to reach its class. */
async function probeChannel(): Promise<amqp.Channel> {
  const model = await amqp.connect(rabbitUrl);
  const channel = await model.createChannel();
  await model.close();
  return channel;
}
