import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { RabbitMqDeclarationError, RabbitMqError, RabbitMqSource } from '../src/index.js';
import type { RabbitMqSourceOptions } from '../src/index.js';
import { Broker, rabbitUrl, uniqueName, until } from './helpers.js';

let broker: Broker;
const queues: string[] = [];
const sources: RabbitMqSource[] = [];
beforeAll(async () => {
  broker = await Broker.connect();
});
afterEach(async () => {
  for (const source of sources.splice(0)) await source.close();
  for (const queue of queues.splice(0)) await broker.deleteTopology(queue);
});
afterAll(async () => {
  await broker.close();
});

function source(options: Partial<RabbitMqSourceOptions> & { queue: string }): RabbitMqSource {
  const created = new RabbitMqSource({ url: rabbitUrl, waitTime: 200, logger: silentLogger, ...options });
  sources.push(created);
  return created;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const signal = new AbortController().signal;

it('never redeclares a queue with another type: get() and inspect() reject with what differs, and a Consumer says so', async () => {
  const queue = uniqueName('declared-classic');
  queues.push(queue);
  await source({ queue, queueType: 'classic' }).inspect();

  const quorum = source({ queue, queueType: 'quorum' });
  const error = await rejection(quorum.get(signal, { maxMessages: 10 }));
  expect(error).toBeInstanceOf(RabbitMqDeclarationError);
  expect(error).toMatchObject({
    code: 'RABBITMQ_DECLARATION',
    kind: 'queue',
    resource: queue,
    vhost: '/',
    argument: 'x-queue-type',
    given: "'quorum'",
    current: "'classic'",
  });
  expect((error as Error).message).toContain('`queueType`');
  expect(await rejection(quorum.inspect())).toBeInstanceOf(RabbitMqDeclarationError);

  // Under a Consumer, the poller dies with it (the supervisor revives it with backoff, and it dies again).
  const deaths: unknown[] = [];
  const consumer = new Consumer(quorum, { logger: silentLogger, maxPollers: 1, handler() {} });
  consumer.on('pollerDied', ({ error: died }) => deaths.push(died));
  await consumer.start();
  await until(() => deaths.length > 0, 10_000, 'the poller to die');
  await consumer.shutdown();
  expect(deaths[0]).toBeInstanceOf(RabbitMqDeclarationError);
  // The queue is as it was.
  expect(await broker.count(queue)).toBe(0);
});

it('names the option behind a differing argument: single active consumer, the dead-letter exchange type, extra arguments', async () => {
  const queue = uniqueName('declared-args');
  queues.push(queue);
  await source({ queue, queueType: 'quorum', orderingKey: 'queue' }).inspect();

  const unordered = await rejection(source({ queue, queueType: 'quorum' }).inspect());
  expect(unordered).toMatchObject({ argument: 'x-single-active-consumer', given: 'none', current: "'true'" });
  expect((unordered as Error).message).toContain('`singleActiveConsumer`');

  const limited = await rejection(
    source({ queue, queueType: 'quorum', orderingKey: 'queue', queueArguments: { 'x-delivery-limit': 5 } }).inspect(),
  );
  expect(limited).toMatchObject({ argument: 'x-delivery-limit', given: "'5'", current: 'none' });
  expect((limited as Error).message).toContain('`queueArguments`');

  const direct = await rejection(source({ queue, queueType: 'quorum', orderingKey: 'queue', deadLetterExchangeType: 'direct' }).inspect());
  expect(direct).toMatchObject({
    kind: 'exchange',
    resource: `${queue}.dead-letter`,
    argument: 'type',
    given: "'direct'",
    current: "'fanout'",
  });
  expect((direct as Error).message).toContain('`deadLetterExchangeType`');
});

it('refused credentials reject get() with RABBITMQ_ACCESS_REFUSED, and no error ever prints the password', async () => {
  const queue = uniqueName('refused');
  const url = rabbitUrl.replace(/:[^:@/]*@/, ':Wr0ng-pa55w0rd@');
  const refused = source({ queue, url });
  const error = await rejection(refused.get(signal, { maxMessages: 1 }));
  expect(error).toBeInstanceOf(RabbitMqError);
  expect(error).toMatchObject({ code: 'RABBITMQ_ACCESS_REFUSED', retryable: false });
  expect((error as Error).message).toContain('amqp://guest:***@127.0.0.1');
  expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain('Wr0ng-pa55w0rd');

  const vhost = await rejection(source({ queue, url: `${rabbitUrl}/no-such-vhost` }).inspect());
  expect(vhost).toMatchObject({ code: 'RABBITMQ_NOT_FOUND' });
});
