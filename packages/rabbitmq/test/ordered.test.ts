import { expect, it } from 'vitest';
import { Consumer, MessageEncodingError, MessageNotTakenError, silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { RabbitMqSource } from '../src/index.js';
import type { RabbitMqMessage } from '../src/index.js';
import { rabbitUrl, until, useBroker } from './helpers.js';

const rabbit = useBroker();
const { newQueue } = rabbit;

it('ordered mode: each key in queue order through charged failures, a failed message held in place through its backoff', async () => {
  const queue = newQueue('ordered');
  const clock = new ManualClock();
  const source = new RabbitMqSource({
    url: rabbitUrl,
    queue,
    queueType: 'quorum',
    orderingKey: { header: 'customer' },
    retryBackoff: { baseMs: 1_000, capMs: 1_000, jitter: 'none' },
    clock,
    logger: silentLogger,
  });
  await source.inspect();
  const customers = ['a', 'b', 'c'];
  const sent = Array.from({ length: 60 }, (_, index) => `${customers[index % 3]}-${Math.floor(index / 3)}`);
  await rabbit.broker.send(queue, sent, (index) => ({ customer: customers[index % 3] }));

  const handled = new Map<string, string[]>(customers.map((customer) => [customer, []]));
  const consumed = new Map<string, string[]>(customers.map((customer) => [customer, []]));
  const counts = new Map<string, number[]>();
  const attempts = new Map<string, number>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    maxHandlers: 4,
    bulkSize: 4,
    async handler(bulk) {
      for (const message of bulk) {
        const customer = source.orderingKey(message) as string;
        handled.get(customer)?.push(message.body);
        counts.set(message.body, [...(counts.get(message.body) ?? []), message.receiveCount]);
        const attempt = (attempts.get(message.body) ?? 0) + 1;
        attempts.set(message.body, attempt);
        await new Promise((resolve) => setImmediate(resolve));
        // a-5 fails once by a throw (the rest of its bulk goes back untaken); b-9 twice by a mark.
        if (message.body === 'a-5' && attempt === 1) throw new Error('a-5 fails once');
        if (message.body === 'b-9' && attempt <= 2) {
          bulk.fail(message, new Error('b-9 fails twice'));
          continue;
        }
        consumed.get(customer)?.push(message.body);
      }
    },
  });
  await consumer.start();
  // c is never held; a waits behind its failed a-5 until the clock moves.
  await until(
    () => consumed.get('c')?.length === 20 && attempts.get('b-9') === 1 && attempts.get('a-5') === 1,
    15_000,
    'c done, a and b held',
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(handled.get('a')?.at(-1)).toBe('a-5');
  expect(handled.get('b')?.at(-1)).toBe('b-9');
  while ([...consumed.values()].some((bodies) => bodies.length < 20)) await clock.advance(500);
  await consumer.shutdown();

  for (const customer of customers) {
    const inOrder = Array.from({ length: 20 }, (_, index) => `${customer}-${index}`);
    expect(consumed.get(customer)).toEqual(inOrder);
  }
  // The failed ones came back right away in their place: nothing of their key ran in between.
  expect(handled.get('a')?.slice(5, 8)).toEqual(['a-5', 'a-5', 'a-6']);
  expect(handled.get('b')?.slice(9, 13)).toEqual(['b-9', 'b-9', 'b-9', 'b-10']);
  expect(counts.get('a-5')).toEqual([1, 2]);
  expect(counts.get('b-9')).toEqual([1, 2, 3]);
  // Held in place, never through a delay queue.
  expect(await rabbit.broker.count(`${queue}.retry.1`)).toBeUndefined();
  expect(await rabbit.broker.count(queue)).toBe(0);
});

it("ordered mode under the Consumer's lanes: a message dead-lettered after maxReceiveCount is reported, so its key goes on at once", async () => {
  const queue = newQueue('ordered-dead');
  const source = new RabbitMqSource({
    url: rabbitUrl,
    queue,
    queueType: 'classic',
    orderingKey: 'routingKey',
    maxReceiveCount: 2,
    retryBackoff: { baseMs: 20, capMs: 20 },
    logger: silentLogger,
  });
  await source.inspect();
  await rabbit.broker.send(
    queue,
    Array.from({ length: 10 }, (_, index) => `m-${index}`),
  );
  const consumed: string[] = [];
  const consumer = new Consumer(source, {
    logger: silentLogger,
    bulkSize: 4,
    // Long enough that the test would time out if the key waited for it.
    orderingHoldTimeout: 600_000,
    handler(bulk) {
      for (const message of bulk) {
        if (message.body === 'm-3') throw new Error('m-3 never works');
        consumed.push(message.body);
      }
    },
  });
  const dead: string[] = [];
  source.on('deadLettered', (message) => dead.push(message.id));
  await consumer.start();
  await until(() => consumed.length === 9, 10_000, 'every other message consumed');
  await consumer.shutdown();
  // One key (the queue's name is every message's routing key): the order holds around the dead one.
  expect(consumed).toEqual(['m-0', 'm-1', 'm-2', 'm-4', 'm-5', 'm-6', 'm-7', 'm-8', 'm-9']);
  expect(dead).toHaveLength(1);
  expect((await rabbit.broker.drain(`${queue}.dead`)).map((letter) => letter.body)).toEqual(['m-3']);
});

it('release() reports what it dead-lettered', async () => {
  const queue = newQueue('release-report');
  const source = new RabbitMqSource({
    url: rabbitUrl,
    queue,
    queueType: 'classic',
    maxReceiveCount: 1,
    waitTime: 1_000,
    logger: silentLogger,
  });
  await source.inspect();
  await rabbit.broker.send(queue, ['poison', 'last-try', 'uncharged']);
  const signal = new AbortController().signal;
  const [poison, lastTry, uncharged] = (await source.get(signal, { maxMessages: 3 })) as [
    RabbitMqMessage,
    RabbitMqMessage,
    RabbitMqMessage,
  ];
  expect(await source.release([poison], new MessageEncodingError('body.f', 'a function'))).toEqual({ deadLettered: [poison] });
  expect(await source.release([lastTry], new Error('charged'))).toEqual({ deadLettered: [lastTry] });
  expect(await source.release([uncharged], new MessageNotTakenError())).toEqual({ deadLettered: [] });
  await source.close();
});

it('single active consumer: a second source on the queue gets nothing while the first consumes, then takes over where it stopped', async () => {
  const queue = newQueue('single-active');
  const options = { url: rabbitUrl, queue, queueType: 'quorum', orderingKey: 'queue', waitTime: 300, logger: silentLogger } as const;
  const first = new RabbitMqSource(options);
  const second = new RabbitMqSource(options);
  await first.inspect();
  await rabbit.broker.send(
    queue,
    Array.from({ length: 10 }, (_, index) => `m-${index}`),
  );
  const signal = new AbortController().signal;
  // One key (the whole queue): one message out at a time.
  const taken = await first.get(signal, { maxMessages: 10 });
  expect(taken.map((message) => message.body)).toEqual(['m-0']);
  first.cleanup(taken);
  expect((await first.get(signal, { maxMessages: 10 })).map((message) => message.body)).toEqual(['m-1']);
  expect(await second.get(signal, { maxMessages: 10 })).toEqual([]);
  // The first closes with m-1 unsettled: it goes back, and the second delivers from there, in order.
  await first.close();
  const rest: RabbitMqMessage[] = [];
  await until(
    async () => {
      const bulk = await second.get(signal, { maxMessages: 10 });
      expect(bulk.length).toBeLessThanOrEqual(1);
      rest.push(...bulk);
      second.cleanup(bulk);
      return rest.length === 9;
    },
    10_000,
    'the second source to take over',
  );
  expect(rest.map((message) => message.body)).toEqual(Array.from({ length: 9 }, (_, index) => `m-${index + 1}`));
  expect(rest[0]?.redelivered).toBe(true);
  await second.close();
  expect(await rabbit.broker.count(queue)).toBe(0);
});
