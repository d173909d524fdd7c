import { expect, it } from 'vitest';
import { Consumer, MessageNotTakenError, silentLogger } from '@conveyor/core';
import type { ConveyorError } from '@conveyor/core';
import { conveyorHeaders, RabbitMqBodyError, RabbitMqSource } from '../src/index.js';
import type { RabbitMqMessage } from '../src/index.js';
import { rabbitUrl, until, useBroker } from './helpers.js';

const rabbit = useBroker();
const { newQueue } = rabbit;

/** A consumer of `{ n }` bodies (inline, bulks of 8) and the numbers its handler saw. */
function consumerOfNumbers(source: RabbitMqSource<{ n: number }>): { consumer: Consumer<RabbitMqMessage<{ n: number }>>; seen: number[] } {
  const seen: number[] = [];
  const consumer = new Consumer(source, {
    logger: silentLogger,
    bulkSize: 8,
    handler(bulk) {
      for (const message of bulk) seen.push(message.body.n);
    },
  });
  return { consumer, seen };
}

it('poison messages go to the dead-letter exchange after maxReceiveCount, with the last error; their neighbours are untouched', async () => {
  const queue = newQueue('poison');
  const source = new RabbitMqSource({
    url: rabbitUrl,
    queue,
    queueType: 'classic',
    maxReceiveCount: 3,
    retryBackoff: { baseMs: 40, capMs: 80 },
    logger: silentLogger,
  });
  await source.inspect();
  const sent = Array.from({ length: 300 }, (_, index) => (index % 60 === 17 ? `poison-${index}` : `good-${index}`));
  await rabbit.broker.send(queue, sent);
  const poison = sent.filter((body) => body.startsWith('poison'));

  const counts = new Map<string, number[]>();
  const consumed = new Set<string>();
  let goodFailures = 0;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 10,
    handler(bulk) {
      for (const message of bulk) {
        counts.set(message.body, [...(counts.get(message.body) ?? []), message.receiveCount]);
        // A throw: the messages after it in the bulk were never taken, so they go back uncharged.
        if (message.body.startsWith('poison')) throw new Error(`cannot handle ${message.body}`);
        consumed.add(message.body);
      }
    },
  });
  consumer.on('failed', (messages, error) => {
    if (!(error instanceof MessageNotTakenError)) goodFailures += messages.filter((message) => message.body.startsWith('good')).length;
  });
  await consumer.start();
  await until(
    async () => (await rabbit.broker.count(`${queue}.dead`)) === poison.length && consumed.size === sent.length - poison.length,
    20_000,
    'poison dead-lettered, the rest consumed',
  );
  await consumer.shutdown();

  for (const body of poison) expect(counts.get(body)).toEqual([1, 2, 3]);
  // Good neighbours: handed to the handler once, never charged, never dead-lettered.
  for (const body of sent.filter((each) => each.startsWith('good'))) expect(counts.get(body)?.every((count) => count === 1)).toBe(true);
  expect(goodFailures).toBe(0);
  const dead = await rabbit.broker.drain(`${queue}.dead`);
  expect(dead.map((letter) => letter.body).sort()).toEqual([...poison].sort());
  for (const letter of dead) {
    expect(letter.headers).toMatchObject({
      [conveyorHeaders.failures]: 3,
      [conveyorHeaders.deadLetterReason]: 'max-receive-count',
      [conveyorHeaders.queue]: queue,
      [conveyorHeaders.lastError]: `Error: cannot handle ${letter.body}`,
    });
  }
  // The retries went through the delay queues of levels 1 and 2, which are empty again.
  expect(await rabbit.broker.count(`${queue}.retry.1`)).toBe(0);
  expect(await rabbit.broker.count(`${queue}.retry.2`)).toBe(0);
  expect(await rabbit.broker.count(queue)).toBe(0);
});

it('bodies that do not decode are dead-lettered at once with a typed error, never handed to a handler; nothing is lost', async () => {
  const queue = newQueue('bad-bodies');
  const source = new RabbitMqSource<{ n: number }>({
    url: rabbitUrl,
    queue,
    queueType: 'quorum',
    bodyFormat: 'json',
    logger: silentLogger,
  });
  const invalid: ConveyorError[] = [];
  source.on('invalidBody', (_message, error) => invalid.push(error));
  await source.inspect();
  const good = Array.from({ length: 50 }, (_, n) => JSON.stringify({ n }));
  const bad = [Buffer.from('{not json'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.from('')];
  await rabbit.broker.send(queue, [
    ...good.slice(0, 20),
    bad[0] as Buffer,
    ...good.slice(20, 35),
    bad[1] as Buffer,
    bad[2] as Buffer,
    ...good.slice(35),
  ]);

  const { consumer, seen } = consumerOfNumbers(source);
  await consumer.start();
  await until(
    async () => seen.length >= 50 && (await rabbit.broker.count(`${queue}.dead`)) === 3,
    15_000,
    'good ones consumed, bad ones dead',
  );
  await consumer.shutdown();

  expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n));
  expect(invalid).toHaveLength(3);
  expect(invalid.every((error) => error instanceof RabbitMqBodyError && error.code === 'RABBITMQ_BODY')).toBe(true);
  expect(invalid.map((error) => (error as RabbitMqBodyError).format)).toEqual(['json', 'json', 'json']);
  expect(invalid[1]?.message).toContain('encoded data was not valid');
  const dead = await rabbit.broker.drain(`${queue}.dead`);
  expect(dead.map((letter) => letter.headers[conveyorHeaders.deadLetterReason])).toEqual(['bad-body', 'bad-body', 'bad-body']);
  expect(dead.map((letter) => letter.body)).toEqual(bad.map((body) => body.toString()));
  expect(String(dead[0]?.headers[conveyorHeaders.lastError])).toContain('RabbitMqBodyError');
  expect(await rabbit.broker.count(queue)).toBe(0);
});

it('a bad body whose dead-letter copy cannot be published is tried again, in place, until it is dead-lettered', async () => {
  const queue = newQueue('bad-body-no-exchange');
  const source = new RabbitMqSource<{ n: number }>({
    url: rabbitUrl,
    queue,
    queueType: 'classic',
    bodyFormat: 'json',
    reconnectBackoff: { baseMs: 50, capMs: 300 },
    logger: silentLogger,
  });
  const invalid: ConveyorError[] = [];
  source.on('invalidBody', (_message, error) => invalid.push(error));
  const faults: ConveyorError[] = [];
  source.on('error', (error) => faults.push(error));
  const connected = new Promise<void>((resolve) => source.once('connected', () => resolve()));
  const { consumer, seen } = consumerOfNumbers(source);
  await consumer.start();
  await connected;
  // The dead-letter exchange goes missing once the source declared it: the first copy cannot be published.
  const { deadLetterExchange, deadLetterExchangeType, deadLetterRoutingKey } = source.options;
  await rabbit.broker.deleteExchange(deadLetterExchange);
  const good = Array.from({ length: 20 }, (_, n) => JSON.stringify({ n }));
  await rabbit.broker.send(queue, [Buffer.from('{not json'), ...good]);
  await until(() => faults.length >= 1 && seen.length === good.length, 15_000, 'the dead-letter copy refused, the good ones consumed');
  // Restored, as an operator would: the next try publishes the copy (the delivery was never requeued: a quorum
  // queue would count that against its delivery limit).
  await rabbit.broker.restoreExchange(deadLetterExchange, deadLetterExchangeType, `${queue}.dead`, deadLetterRoutingKey);
  await until(async () => (await rabbit.broker.count(`${queue}.dead`)) === 1, 15_000, 'the bad body dead-lettered');
  await consumer.shutdown();
  expect(invalid).toHaveLength(1);
  expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  expect(await rabbit.broker.count(queue)).toBe(0);
  const [dead] = await rabbit.broker.drain(`${queue}.dead`);
  expect(dead?.body).toBe('{not json');
});

it('a failed message whose dead-letter copy keeps failing to publish goes back to the queue once the consumer gives up, never held for good', async () => {
  const queue = newQueue('release-no-exchange');
  const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', maxReceiveCount: 1, logger: silentLogger });
  const faults: ConveyorError[] = [];
  source.on('error', (error) => faults.push(error));
  const connected = new Promise<void>((resolve) => source.once('connected', () => resolve()));
  let handled = 0;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    settleAttempts: 2,
    handler(bulk) {
      for (const message of bulk) {
        handled++;
        bulk.fail(message, new Error(`cannot handle ${message.body}`));
      }
    },
  });
  const givenUp: unknown[] = [];
  consumer.on('releaseError', ({ willRetry, error }) => {
    if (!willRetry) givenUp.push(error);
  });
  await consumer.start();
  await connected;
  // The dead-letter exchange goes missing: the first failure's copy cannot be published, twice, and the consumer gives up.
  const { deadLetterExchange, deadLetterExchangeType, deadLetterRoutingKey } = source.options;
  await rabbit.broker.deleteExchange(deadLetterExchange);
  await rabbit.broker.send(queue, ['doomed']);
  await until(() => givenUp.length >= 1, 15_000, 'the consumer to give up releasing it');
  // Restored: the message, back in the queue rather than unacked for good, fails again and is dead-lettered.
  await rabbit.broker.restoreExchange(deadLetterExchange, deadLetterExchangeType, `${queue}.dead`, deadLetterRoutingKey);
  await until(async () => (await rabbit.broker.count(`${queue}.dead`)) === 1, 15_000, 'the message dead-lettered');
  await consumer.shutdown();
  expect(handled).toBeGreaterThanOrEqual(2);
  expect(await rabbit.broker.count(queue)).toBe(0);
  const [dead] = await rabbit.broker.drain(`${queue}.dead`);
  expect(dead?.body).toBe('doomed');
});

it('an uncharged release is not counted: receiveCount stays, while a quorum queue counts the delivery (deliveryCount)', async () => {
  const queue = newQueue('uncharged');
  const source = new RabbitMqSource({
    url: rabbitUrl,
    queue,
    queueType: 'quorum',
    maxReceiveCount: 2,
    waitTime: 2_000,
    logger: silentLogger,
  });
  await source.inspect();
  await rabbit.broker.send(queue, ['again-and-again']);
  const signal = new AbortController().signal;
  const deliveries: RabbitMqMessage[] = [];
  for (let round = 0; round < 4; round++) {
    const [message] = await source.get(signal, { maxMessages: 1 });
    deliveries.push(message as RabbitMqMessage);
    await source.release([message as RabbitMqMessage], new MessageNotTakenError());
  }
  const [last] = await source.get(signal, { maxMessages: 1 });
  deliveries.push(last as RabbitMqMessage);
  // Four uncharged releases with maxReceiveCount 2: never dead-lettered, never counted.
  expect(deliveries.map((message) => message.receiveCount)).toEqual([1, 1, 1, 1, 1]);
  expect(deliveries.map((message) => message.deliveryCount)).toEqual([undefined, 1, 2, 3, 4]);
  expect(deliveries.slice(1).every((message) => message.redelivered)).toBe(true);
  // A charged failure counts: the next one is the last allowed, and its failure dead-letters it.
  await source.release([last as RabbitMqMessage], new Error('charged'));
  const [retried] = await source.get(signal, { maxMessages: 1 });
  expect(retried?.receiveCount).toBe(2);
  await source.release([retried as RabbitMqMessage], new Error('charged again'));
  await until(async () => (await rabbit.broker.count(`${queue}.dead`)) === 1, 5_000, 'the dead letter');
  await source.close();
  expect(await rabbit.broker.count(queue)).toBe(0);
});

it('a dead letter no queue would take is never dropped: release() rejects with RABBITMQ_UNROUTABLE and the message stays held', async () => {
  const queue = newQueue('unroutable');
  const source = new RabbitMqSource({
    url: rabbitUrl,
    queue,
    queueType: 'classic',
    deadLetterQueue: false,
    maxReceiveCount: 1,
    waitTime: 1_000,
    logger: silentLogger,
  });
  await source.inspect();
  await rabbit.broker.send(queue, ['precious']);
  const signal = new AbortController().signal;
  const [message] = (await source.get(signal, { maxMessages: 1 })) as [RabbitMqMessage];
  const refused = await source.release([message], new Error('fails')).catch((error: unknown) => error);
  expect(refused).toMatchObject({ code: 'RABBITMQ_UNROUTABLE' });
  expect(source.inFlight).toBe(1);
  // Once a queue is bound to the dead-letter exchange, the consumer's retry of the release goes through.
  const mine = `${queue}.mine`;
  rabbit.deleteAfter(mine);
  await rabbit.broker.bindTo(mine, `${queue}.dead-letter`);
  await source.release([message], new Error('fails'));
  expect(source.inFlight).toBe(0);
  expect((await rabbit.broker.drain(mine)).map((letter) => letter.body)).toEqual(['precious']);
  await source.close();
  expect(await rabbit.broker.count(queue)).toBe(0);
});
