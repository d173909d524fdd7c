import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsError } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { createQueue, queueDepth, sendBodies, startSqsServer, uniqueName, until } from './helpers.js';

// The server keeps its queues in SQLite here, so a restart on the same port loses nothing.
const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-sqs-'));
let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer({ dataDir });
});
afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('the server going down and coming back while consuming: the consumer recovers and loses nothing', async () => {
  const url = await createQueue(server.client, uniqueName('restart'));
  const first = Array.from({ length: 20 }, (_, index) => `before-${index}`);
  const second = Array.from({ length: 10 }, (_, index) => `after-${index}`);
  await sendBodies(server.client, url, first);

  // Its own client (not the test's), with the SDK's default retries.
  const source = new SqsSource({
    clientConfig: server.clientConfig,
    queueUrl: url,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 2,
    maxErrorBackoff: 400,
    logger: silentLogger,
  });
  const errors: SqsError[] = [];
  source.on('error', (error) => errors.push(error as SqsError));
  const consumed = new Set<string>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 5,
    async handler(bulk) {
      for (const message of bulk) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        consumed.add(message.body);
      }
    },
  });
  let pollerDeaths = 0;
  let cleanupErrors = 0;
  consumer.on('cleanupError', () => cleanupErrors++);
  consumer.on('pollerDied', () => pollerDeaths++);
  await consumer.start();

  await until(() => consumed.size >= 5, 15_000, 'some messages consumed');
  await server.halt();
  await until(() => errors.some((error) => error.code === 'SQS_NETWORK'), 15_000, 'the source to notice the outage');
  // Longer than the consumer's cleanup retries last: some deletes are given up, those messages come back.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await server.restart();
  await sendBodies(server.client, url, second);

  const all = [...first, ...second];
  await until(() => all.every((body) => consumed.has(body)), 30_000, 'every message consumed after the restart');
  // Deletes that failed during the outage come back after the visibility timeout and are consumed again.
  await until(
    async () => {
      const depth = await queueDepth(server.client, url);
      return depth.visible === 0 && depth.inFlight === 0;
    },
    20_000,
    'the queue to be empty',
  );
  await consumer.shutdown();
  expect(cleanupErrors).toBeGreaterThan(0); // the outage hit deletes in flight
  expect(pollerDeaths).toBe(0); // network errors never killed a poller
  expect(errors.every((error) => error.retryable)).toBe(true);
});
