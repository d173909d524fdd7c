import { expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { NatsSender, NatsSource } from '../src/index.js';
import { connectNats, delay, deleteStreams, uniqueName } from './helpers.js';

it("leaseDuration() is the consumer's ack_wait, and the consumer's lease keeper keeps a long bulk from being redelivered", async () => {
  const connection = await connectNats();
  const stream = uniqueName('lease');
  const source = new NatsSource<string>({ connection, stream, consumer: 'workers', ackWait: 600, maxWait: 1000, logger: silentLogger });
  expect(source.leaseDuration()).toBeUndefined();
  await source.bind();
  expect(source.leaseDuration()).toBe(600);
  await new NatsSender({ connection, subject: `${stream}.jobs` }).sendBatch(['slow-1', 'slow-2', 'slow-3']);

  const handled: { body: string; receiveCount: number }[] = [];
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 1,
    bulkSize: 1,
    maxHandlers: 1,
    async handler(bulk) {
      for (const message of bulk) {
        const { body, receiveCount } = message;
        handled.push({ body, receiveCount });
        // Three ack_waits per message; the two waiting in the buffer wait longer still.
        await delay(1800);
      }
    },
  });
  await consumer.start();
  const deadline = Date.now() + 15_000;
  while (handled.length < 3 && Date.now() < deadline) await delay(50);
  await consumer.shutdown();
  // Each handled once, on its first delivery: the progress acks held them all.
  expect(handled).toEqual([
    { body: 'slow-1', receiveCount: 1 },
    { body: 'slow-2', receiveCount: 1 },
    { body: 'slow-3', receiveCount: 1 },
  ]);
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});
