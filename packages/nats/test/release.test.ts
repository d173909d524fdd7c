import { expect, it } from 'vitest';
import { MessageNotTakenError, ShutdownError, silentLogger } from '@conveyor/core';
import { NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName, until } from './helpers.js';

async function setup(options: { maxReceiveCount?: number } = {}) {
  const connection = await connectNats();
  const stream = uniqueName('release');
  const source = new NatsSource<string>({
    connection,
    stream,
    consumer: 'workers',
    maxWait: 1000,
    retryBackoff: { baseMs: 300, jitter: 'none' },
    logger: silentLogger,
    ...options,
  });
  await source.bind();
  await new NatsSender({ connection, subject: `${stream}.jobs` }).send('the-message');
  const never = new AbortController().signal;
  const next = async (): Promise<NatsMessage> => {
    let got: NatsMessage[] = [];
    await until(async () => (got = await source.get(never, { maxMessages: 1 })).length === 1, 5000, 'a delivery');
    return got[0] as NatsMessage;
  };
  const dispose = async () => {
    await source.close();
    await deleteStreams(connection, stream, source.options.deadLetter.stream);
    await connection.close();
  };
  return { source, next, dispose };
}

it('an uncharged release comes back at once and is not counted, though JetStream counted the delivery', async () => {
  const { source, next, dispose } = await setup();
  const first = await next();
  const started = Date.now();
  await source.release([first], new MessageNotTakenError());
  const second = await next();
  expect(Date.now() - started).toBeLessThan(300);
  expect(second.receiveCount).toBe(1);
  expect(second.deliveryCount).toBe(2);
  await source.release([second], new ShutdownError());
  const third = await next();
  expect([third.receiveCount, third.deliveryCount]).toEqual([1, 3]);
  // A charged failure counts, and waits out its backoff.
  await source.release([third], new Error('handler failed'));
  const fourth = await next();
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  expect([fourth.receiveCount, fourth.deliveryCount]).toEqual([2, 4]);
  await source.cleanup([fourth]);
  await dispose();
});

it('uncharged releases never dead-letter a message, whatever JetStream counted', async () => {
  const { source, next, dispose } = await setup({ maxReceiveCount: 1 });
  for (let round = 0; round < 3; round++) await source.release([await next()], new MessageNotTakenError());
  const again = await next();
  expect(again.receiveCount).toBe(1);
  expect(await source.deadLetterCount()).toBe(0);
  // Its first charged failure, at maxReceiveCount 1, dead-letters it.
  await source.release([again], new Error('handler failed'));
  expect(await source.deadLetterCount()).toBe(1);
  await dispose();
});

it('settling a delivery twice, or after close, does nothing and never throws', async () => {
  const { source, next, dispose } = await setup();
  const message = await next();
  await source.cleanup([message]);
  await source.cleanup([message]);
  await source.release([message], new Error('late'));
  source.extend([message]);
  await dispose();
  await source.cleanup([message]);
});
