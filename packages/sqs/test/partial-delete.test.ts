import { afterAll, beforeAll, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { SqsBatchEntryError, SqsSource } from '../src/index.js';
import type { SqsMessage } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { clientRefusing, createQueue, deleteQueue, queueDepth, sendBodies, startSqsServer, uniqueName, until } from './helpers.js';

let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer();
});
afterAll(async () => {
  await server.stop();
});

it('a delete entry refused inside a successful call is retried, then reported; the message comes back', async () => {
  const url = await createQueue(server.client, uniqueName('partial'));
  await sendBodies(
    server.client,
    url,
    Array.from({ length: 12 }, (_, index) => `m${index}`),
  );
  const handles = new Map<string, string>(); // receipt handle → body
  const attempts = new Map<string, number>();
  const { client, sent } = clientRefusing(server, (receipt) => {
    const body = handles.get(receipt);
    const attempt = (attempts.get(body ?? '') ?? 0) + 1;
    attempts.set(body ?? '', attempt);
    if (body === 'm2' && attempt === 1) return { code: 'InternalError', senderFault: false }; // transient: the retry works
    if (body === 'm7') return { code: 'ReceiptHandleIsInvalid', senderFault: true }; // permanent: reported
    return undefined;
  });
  const source = new SqsSource({
    client,
    queueUrl: url,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 1,
    heartbeatInterval: 0,
    maxMessages: 20,
    logger: silentLogger,
  });
  const never = new AbortController().signal;
  const received: SqsMessage[] = [];
  await until(
    async () => {
      received.push(...(await source.get(never)));
      return received.length === 12;
    },
    10_000,
    'all 12 messages',
  );
  for (const message of received) handles.set(message.receipt, message.body);

  const error = await source.cleanup(received).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SqsBatchEntryError);
  expect((error as SqsBatchEntryError).entries).toEqual([
    expect.objectContaining({ awsCode: 'ReceiptHandleIsInvalid', senderFault: true }),
  ]);
  expect(attempts.get('m2')).toBe(2);
  expect(attempts.get('m7')).toBe(1);
  expect(sent).toHaveLength(11); // every other message deleted once, none sent twice
  expect(source.inFlight).toBe(0);
  // A retry of the same cleanup (what the Consumer does) sends nothing again.
  await source.cleanup(received);
  expect(sent).toHaveLength(11);

  // The refused message was not deleted: it comes back after its visibility timeout.
  const again: SqsMessage[] = [];
  await until(
    async () => {
      again.push(...(await source.get(never)));
      return again.length > 0;
    },
    10_000,
    'm7 to come back',
  );
  expect(again.map((message) => message.body)).toEqual(['m7']);
  expect(again[0]?.receiveCount).toBe(2);
  await source.close();
  client.destroy();
  await deleteQueue(server.client, url);
});

it('under a Consumer, a refused delete is reported as cleanupError and the message is consumed again', async () => {
  const url = await createQueue(server.client, uniqueName('partial'));
  await sendBodies(server.client, url, ['a', 'b', 'c']);
  const handles = new Map<string, string>();
  let refusals = 0;
  const { client } = clientRefusing(server, (receipt) => {
    if (handles.get(receipt) !== 'b' || refusals > 0) return undefined;
    refusals++;
    return { code: 'ReceiptHandleIsInvalid', senderFault: true };
  });
  const source = new SqsSource({
    client,
    queueUrl: url,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 1,
    heartbeatInterval: 0,
    logger: silentLogger,
  });
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 1,
    bulkSize: 10,
    handler(bulk) {
      for (const message of bulk) handles.set(message.receipt, message.body);
    },
  });
  const cleanupErrors: unknown[] = [];
  consumer.on('cleanupError', (info) => cleanupErrors.push(info.error));
  const deliveries = new Map<string, number>();
  consumer.on('consumed', (messages) => messages.forEach((message) => deliveries.set(message.body, message.receiveCount)));
  await consumer.start();
  await until(() => deliveries.get('b') === 2, 15_000, 'b consumed on its second delivery');
  await until(
    async () => {
      const depth = await queueDepth(server.client, url);
      return depth.visible === 0 && depth.inFlight === 0;
    },
    10_000,
    'the queue to be empty',
  );
  await consumer.shutdown();
  expect(cleanupErrors[0]).toBeInstanceOf(SqsBatchEntryError);
  expect([...deliveries.keys()].sort()).toEqual(['a', 'b', 'c']);
  client.destroy();
  await deleteQueue(server.client, url);
});

it('a message whose delete keeps failing is let go of once the consumer gives up: no lease held, SQS delivers it again', async () => {
  const url = await createQueue(server.client, uniqueName('forgotten'));
  await sendBodies(server.client, url, ['stuck', 'fine']);
  const handles = new Map<string, string>(); // receipt handle → body
  const { client } = clientRefusing(server, (receipt) =>
    handles.get(receipt) === 'stuck' ? { code: 'InternalError', senderFault: false } : undefined,
  );
  const source = new SqsSource({
    client,
    queueUrl: url,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 30,
    maxMessages: 10,
    logger: silentLogger,
  });
  let givenUp = 0;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    settleAttempts: 2,
    handler(bulk) {
      for (const message of bulk) handles.set(message.receipt, message.body);
    },
  });
  consumer.on('cleanupError', ({ willRetry }) => {
    if (!willRetry) givenUp++;
  });
  await consumer.start();
  await until(() => givenUp >= 1, 15_000, 'the consumer to give up deleting it');
  // Let go of at once, not held (and renewed) until its 30 s visibility lapses.
  await until(() => source.inFlight === 0, 5_000, 'no lease held for it');
  await consumer.shutdown();
  expect((await queueDepth(server.client, url)).inFlight).toBe(1);
  await deleteQueue(server.client, url);
});
