import { afterAll, beforeAll, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import type { PostgresError } from '../src/index.js';
import { startOwnPostgres } from './own-postgres.js';
import type { OwnPostgres } from './own-postgres.js';
import { delay, openQueue, until } from './helpers.js';

// A cluster of this test's own: the shared server is never restarted.
let server: OwnPostgres;
beforeAll(async () => {
  server = await startOwnPostgres();
});
afterAll(() => {
  server?.dispose();
});

it('the server crashing and coming back mid-run: every row consumed, duplicates at most what was in flight', async () => {
  const queue = await openQueue({ url: server.url });
  const source = queue.source<{ n: number }>({
    visibilityTimeout: 3_000,
    waitTime: 200,
    pollInterval: 100,
    maxErrorBackoff: 300,
    logger: silentLogger,
  });
  const errors: PostgresError[] = [];
  source.on('error', (error) => errors.push(error));
  const sender = queue.sender<{ n: number }>();
  const before = Array.from({ length: 400 }, (_, n) => ({ n }));
  await sender.sendBodies(before);

  const handled: number[] = [];
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 10,
    async handler(bulk) {
      for (const message of bulk) {
        await delay(1);
        handled.push(message.body.n);
      }
    },
  });
  let pollerDeaths = 0;
  consumer.on('pollerDied', () => pollerDeaths++);
  await consumer.start();

  await until(() => handled.length >= 100, 20_000, 'some rows consumed before the crash');
  const inFlightAtCrash = consumer.stats.inFlight;
  server.crash();
  await until(() => errors.some((error) => error.code === 'POSTGRES_UNAVAILABLE'), 10_000, 'the source to notice the outage');
  await delay(1_000);
  server.start();
  // The pool of the test's own statements lost its connections too: the sender reconnects.
  const after = Array.from({ length: 100 }, (_, index) => ({ n: 400 + index }));
  await until(
    async () => {
      try {
        await sender.sendBodies(after);
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    'a send after the restart',
  );

  await until(() => new Set(handled).size === 500, 30_000, 'every row consumed after the restart');
  await until(async () => (await queue.rows()).length === 0, 20_000, 'the table to be empty (late cleanups retried or rows handled again)');
  await until(() => source.listening, 10_000, 'LISTEN to be back');
  await consumer.shutdown();

  const duplicates = handled.length - new Set(handled).size;
  expect(new Set(handled).size).toBe(500);
  expect(duplicates).toBeLessThanOrEqual(inFlightAtCrash);
  expect(await queue.deadLetters()).toEqual([]);
  expect(pollerDeaths).toBe(0); // connection errors never killed a poller
  expect(errors.every((error) => error.retryable)).toBe(true);
});
