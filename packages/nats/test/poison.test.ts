import { expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { deadLetterHeaders, NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, consumerInfo, deadLetterBodies, deleteStreams, uniqueName, until } from './helpers.js';

it('a message that always fails is dead-lettered after maxReceiveCount charged deliveries; its neighbours are consumed once each', async () => {
  const connection = await connectNats();
  const stream = uniqueName('poison');
  const source = new NatsSource<string>({
    connection,
    stream,
    consumer: 'workers',
    maxReceiveCount: 3,
    retryBackoff: { baseMs: 20, jitter: 'none' },
    maxWait: 1000,
    logger: silentLogger,
  });
  const bodies = Array.from({ length: 30 }, (_, index) => (index === 7 || index === 21 ? `poison-${index}` : `good-${index}`));
  await source.bind();
  await new NatsSender({ connection, subject: `${stream}.jobs` }).sendBatch(bodies);

  const attempts = new Map<string, number[]>();
  const deadLettered: number[] = [];
  source.on('deadLettered', (message) => deadLettered.push(message.id));
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 1,
    bulkSize: 5,
    handler(bulk) {
      for (const message of bulk) {
        const { body, receiveCount } = message;
        attempts.set(body, [...(attempts.get(body) ?? []), receiveCount]);
        if (body.startsWith('poison')) bulk.fail(message, new Error(`cannot handle ${body}`));
      }
    },
  });
  await consumer.start();
  await until(() => deadLettered.length === 2, 15_000, 'both poison messages to be dead-lettered');
  await until(async () => (await consumerInfo(connection, stream, 'workers')).num_ack_pending === 0, 5000, 'nothing left pending');
  expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 2 });
  await consumer.shutdown();

  for (const body of bodies.filter((body) => body.startsWith('good'))) expect(attempts.get(body), body).toEqual([1]);
  expect(attempts.get('poison-7')).toEqual([1, 2, 3]);
  expect(attempts.get('poison-21')).toEqual([1, 2, 3]);
  const dead = await deadLetterBodies(connection, source.options.deadLetter.stream);
  expect(dead.map((letter) => letter.body).sort()).toEqual(['poison-21', 'poison-7']);
  for (const letter of dead) {
    expect(letter.headers[deadLetterHeaders.receiveCount]).toBe('3');
    expect(letter.headers[deadLetterHeaders.reason]).toContain('cannot handle');
    expect(letter.headers[deadLetterHeaders.stream]).toBe(stream);
  }
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});

it('a message received more than maxReceiveCount times without being settled (its consumers crashed) is dead-lettered on receipt', async () => {
  const connection = await connectNats();
  const stream = uniqueName('crashloop');
  const options = {
    connection,
    stream,
    consumer: 'workers',
    ackWait: 300,
    maxWait: 1000,
    maxReceiveCount: 2,
    logger: silentLogger,
  } as const;
  const source = new NatsSource<string>(options);
  await source.bind();
  await new NatsSender({ connection, subject: `${stream}.jobs` }).send('crashes-its-consumer');
  const never = new AbortController().signal;
  // Two deliveries whose consumer "died": neither settled.
  for (let delivery = 1; delivery <= 2; delivery++) {
    let got: NatsMessage[] = [];
    await until(async () => (got = await source.get(never, { maxMessages: 1 })).length === 1, 5000, `delivery ${delivery}`);
    expect(got[0]?.receiveCount).toBe(delivery);
  }
  // The third delivery never reaches a caller: it goes to the dead letters.
  const seen: NatsMessage[] = [];
  await until(
    async () => {
      seen.push(...(await source.get(never, { maxMessages: 1 })));
      return (await source.deadLetterCount()) === 1;
    },
    5000,
    'the dead-letter copy',
  );
  expect(seen).toEqual([]);
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});
