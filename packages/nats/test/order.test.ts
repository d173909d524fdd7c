import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName, until } from './helpers.js';

it('first deliveries come in stream order, so each subject (the ordering key) in the order it was published', async () => {
  const connection = await connectNats();
  const stream = uniqueName('order');
  const source = new NatsSource<string>({
    connection,
    stream,
    consumer: 'workers',
    orderingKey: 'subject',
    maxWait: 1000,
    logger: silentLogger,
  });
  await source.bind();
  const keys = ['a', 'b', 'c', 'd'];
  const sent = Array.from({ length: 120 }, (_, index) => ({ subject: `${stream}.${keys[(index * 7) % 4]}`, body: String(index) }));
  await new NatsSender({ connection }).sendBatch(sent);

  const received: NatsMessage[] = [];
  const never = new AbortController().signal;
  await until(
    async () => {
      // Small, uneven gets: order must hold across them.
      const bulk = await source.get(never, { maxMessages: 1 + (received.length % 9) });
      received.push(...bulk);
      await source.cleanup(bulk);
      return received.length === sent.length;
    },
    15_000,
    'every message',
  );
  for (const key of keys) {
    const subject = `${stream}.${key}`;
    const published = sent.filter((message) => message.subject === subject).map((message) => message.body);
    const got = received.filter((message) => source.orderingKey(message) === subject).map((message) => message.body);
    expect(got).toEqual(published);
  }
  expect(received.map((message) => message.id)).toEqual(sent.map((_, index) => index + 1));
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});

it('orderingKey() reads a header when asked to, and is undefined by default', () => {
  const byHeader = new NatsSource({ servers: 'nats://127.0.0.1:4222', stream: 'S', consumer: 'c', orderingKey: { header: 'Tenant' } });
  const none = new NatsSource({ servers: 'nats://127.0.0.1:4222', stream: 'S', consumer: 'c' });
  const message = { headers: { Tenant: ['t-1'] }, subject: 'S.x' } as unknown as NatsMessage;
  expect(byHeader.orderingKey(message)).toBe('t-1');
  expect(none.orderingKey(message)).toBeUndefined();
});
