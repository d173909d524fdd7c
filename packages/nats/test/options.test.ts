import { jetstreamManager } from '@nats-io/jetstream';
import { expect, it } from 'vitest';
import { InvalidOptionError, silentLogger } from '@conveyor/core';
import { NatsConsumerConfigError, NatsError, NatsSource } from '../src/index.js';
import type { NatsSourceOptions } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName } from './helpers.js';

const base = { servers: 'nats://127.0.0.1:4222', stream: 'S', consumer: 'c' } as const;

it('bad options throw an InvalidOptionError naming the option; names from nats.js get a hint', () => {
  const attempt = (options: unknown) => () => new NatsSource(options as NatsSourceOptions);
  expect(attempt({ ...base, durable_name: 'c' })).toThrow(/`consumer`/);
  expect(attempt({ ...base, ack_wait: 30e9 })).toThrow(/milliseconds, not nanoseconds/);
  expect(attempt({ ...base, max_deliver: 5 })).toThrow(/maxReceiveCount/);
  expect(attempt({ ...base, stream: 'has.dot' })).toThrow(InvalidOptionError);
  expect(attempt({ ...base, maxWait: 500 })).toThrow(/at least 1000/);
  expect(attempt({ ...base, bodyFormat: 'xml' })).toThrow(/'text' or 'json' or 'buffer'/);
  expect(attempt({ stream: 'S', consumer: 'c' })).toThrow(/servers/);
  expect(attempt({ ...base, deadLetter: { subject: 'S.dead' } })).toThrow(/outside the stream's subjects/);
  expect(attempt({ ...base, orderingKey: { header: '' } })).toThrow(/orderingKey.header/);
});

it('an existing consumer that contradicts the options is a NatsConsumerConfigError saying what differs; it is left unchanged', async () => {
  const connection = await connectNats();
  const stream = uniqueName('config');
  const jsm = await jetstreamManager(connection);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: 'all', ack_wait: 5e9, max_deliver: 3 });
  const source = new NatsSource({ connection, stream, consumer: 'workers', ackWait: 1000, maxReceiveCount: 5, logger: silentLogger });
  const error = await source.bind().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(NatsConsumerConfigError);
  const fields = (error as NatsConsumerConfigError).differences.map((difference) => difference.field);
  expect(fields).toEqual(['ack_policy', 'ack_wait', 'max_deliver']);
  expect((error as Error).message).toContain('ack_wait: expected 1000000000 ns (ackWait 1000 ms), found 5000000000');
  // get() rejects with it too (retrying cannot fix it), instead of backing off.
  await expect(source.get(new AbortController().signal, { maxMessages: 1 })).rejects.toBeInstanceOf(NatsConsumerConfigError);
  expect((await jsm.consumers.info(stream, 'workers')).config.ack_wait).toBe(5e9);
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});

it('with create off, a missing stream is a NatsError NATS_NOT_FOUND', async () => {
  const connection = await connectNats();
  const source = new NatsSource({ connection, stream: uniqueName('missing'), consumer: 'workers', create: false, logger: silentLogger });
  const error = await source.bind().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(NatsError);
  expect((error as NatsError).code).toBe('NATS_NOT_FOUND');
  expect((error as NatsError).retryable).toBe(false);
  await source.close();
  await connection.close();
});

it('binds to an existing consumer that agrees, and takes its ack_wait as the lease', async () => {
  const connection = await connectNats();
  const stream = uniqueName('bind');
  const jsm = await jetstreamManager(connection);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  await jsm.streams.add({ name: `${stream}_dead`, subjects: [`dead.${stream}`] });
  await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: 'explicit', ack_wait: 7e9, max_deliver: 20 });
  const source = new NatsSource({
    connection,
    stream,
    consumer: 'workers',
    create: false,
    maxReceiveCount: 10,
    deadLetter: { subject: `dead.${stream}` },
    logger: silentLogger,
  });
  await source.bind();
  expect(source.leaseDuration()).toBe(7000);
  expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  await source.close();
  await deleteStreams(connection, stream, `${stream}_dead`);
  await connection.close();
});
