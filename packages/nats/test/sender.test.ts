import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { NatsError, NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName, until } from './helpers.js';

it('NatsSender publishes with awaited acks, in windows; msgID de-duplicates; headers and JSON bodies arrive', async () => {
  const connection = await connectNats();
  const stream = uniqueName('sender');
  const source = new NatsSource<unknown>({
    connection,
    stream,
    consumer: 'workers',
    bodyFormat: 'json',
    maxWait: 1000,
    logger: silentLogger,
  });
  await source.bind();
  const sender = new NatsSender({ servers: 'nats://127.0.0.1:4222', subject: `${stream}.orders`, bodyFormat: 'json', window: 4 });
  const published = await sender.sendBatch(
    Array.from({ length: 10 }, (_, index) => ({ body: { n: index }, msgID: `order-${index}`, headers: { Tenant: `t${index % 2}` } })),
  );
  expect(published.map((ack) => ack.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const again = await sender.send({ body: { n: 3 }, msgID: 'order-3' });
  expect(again).toEqual({ stream, sequence: 4, duplicate: true });
  await expect(sender.send({ body: 'x', subject: 'no.stream.here' })).rejects.toBeInstanceOf(NatsError);

  const received: NatsMessage<unknown>[] = [];
  const never = new AbortController().signal;
  await until(
    async () => {
      const bulk = await source.get(never, { maxMessages: 20 });
      received.push(...bulk);
      await source.cleanup(bulk);
      return received.length >= 10;
    },
    10_000,
    'ten messages',
  );
  expect(received.map((message) => message.body)).toEqual(Array.from({ length: 10 }, (_, index) => ({ n: index })));
  expect(received[3]?.headers).toMatchObject({ Tenant: ['t1'], 'Nats-Msg-Id': ['order-3'] });
  await sender.close();
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});
