import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { NatsSender, NatsSource } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName, until } from './helpers.js';

it("the source's own timing runs on its clock: an empty long-poll ends when the clock passes maxWait, a partial batch when it passes fetchLinger", async () => {
  const connection = await connectNats();
  const stream = uniqueName('clock');
  const clock = new ManualClock();
  const source = new NatsSource<string>({
    connection,
    stream,
    consumer: 'workers',
    maxWait: 60_000,
    fetchLinger: 1000,
    clock,
    logger: silentLogger,
  });
  await source.bind();
  const never = new AbortController().signal;

  // Empty stream: the get() waits until the clock says maxWait has passed, whatever the real time.
  let empty: unknown;
  const pending = source.get(never, { maxMessages: 10 }).then((messages) => (empty = messages));
  await until(() => clock.pending > 0, 5000, 'the get() to wait on the clock');
  expect(empty).toBeUndefined();
  await clock.advance(60_000);
  await pending;
  expect(empty).toEqual([]);

  // Two messages for a get() of ten: it lingers on the clock for more, then returns what it has.
  await new NatsSender({ connection, subject: `${stream}.jobs` }).sendBatch(['one', 'two']);
  let got: { body: string }[] | undefined;
  const partial = source.get(never, { maxMessages: 10 }).then((messages) => (got = messages));
  await until(() => clock.pending > 0, 5000, 'the get() to wait');
  await new Promise((resolve) => setTimeout(resolve, 200)); // both messages arrive (real network time)
  expect(got).toBeUndefined();
  await clock.advance(1000);
  await partial;
  expect(got?.map((message) => message.body)).toEqual(['one', 'two']);
  await source.cleanup(got as never);
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});
