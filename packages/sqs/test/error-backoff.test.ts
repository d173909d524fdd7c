import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { SqsSource } from '../src/index.js';
import type { SqsError, SqsMessage } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { createQueue, startSqsServer, uniqueName, until } from './helpers.js';

// Its own server: the test stops and restarts it (which empties it: the queue is created again).
let server: SqsTestServer;
let url: string;
const queueName = uniqueName('error-backoff');
beforeAll(async () => {
  server = await startSqsServer();
  url = await createQueue(server.client, queueName);
});
afterAll(async () => {
  await server.stop();
});

const never = new AbortController().signal;

it('after network errors, get() reports each and waits on the source clock: doubling from 100 ms, with jitter, up to maxErrorBackoff', async () => {
  const clock = new ManualClock();
  const source = new SqsSource({
    clientConfig: { ...server.clientConfig, maxAttempts: 1 }, // no retries inside the SDK
    queueUrl: url,
    visibilityTimeoutSeconds: 30,
    waitTimeSeconds: 0,
    maxErrorBackoff: 400,
    clock,
    logger: silentLogger,
  });
  const errors: SqsError[] = [];
  source.on('error', (error) => errors.push(error as SqsError));

  /** One failing get(): it resolves empty after a wait of `low` to `high` ms (equal jitter). */
  async function failingGet(low: number, high: number): Promise<void> {
    const reported = errors.length;
    let resolved: SqsMessage[] | undefined;
    void source.get(never).then((messages) => (resolved = messages));
    await until(() => errors.length > reported, 10_000, 'the error to be reported');
    expect(errors.at(-1)).toMatchObject({ code: 'SQS_NETWORK', operation: 'ReceiveMessage', retryable: true });
    await clock.advance(low - 1);
    expect(resolved).toBeUndefined();
    await clock.advance(high - low + 1);
    await until(() => resolved !== undefined, 1_000, 'get() to resolve');
    expect(resolved).toEqual([]);
  }

  await server.halt();
  await failingGet(50, 100);
  await failingGet(100, 200);
  await failingGet(200, 400);
  await failingGet(200, 400); // capped
  // A get() that works starts the doubling over.
  await server.restart();
  expect(await createQueue(server.client, queueName)).toBe(url);
  expect(await source.get(never)).toEqual([]);
  expect(errors).toHaveLength(4);
  await server.halt();
  await failingGet(50, 100);
  await server.restart();
  await source.close();
});
