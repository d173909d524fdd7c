import { afterAll, beforeAll, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { createQueue, deleteQueue, queueDepth, sendBodies, startSqsServer, uniqueName, until } from './helpers.js';

let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer();
});
afterAll(async () => {
  await server.stop();
});

it('FIFO: each group is consumed in send order although some of its messages fail', async () => {
  const url = await createQueue(server.client, uniqueName('fifo', '.fifo'), { VisibilityTimeout: '10' });
  const groups = ['A', 'B', 'C'];
  const bodies = groups.flatMap((group) => Array.from({ length: 5 }, (_, index) => `${group}${index}`));
  await sendBodies(server.client, url, bodies, (body) => ({ MessageGroupId: body[0], MessageDeduplicationId: body }));
  const source = new SqsSource({ client: server.client, queueUrl: url, waitTimeSeconds: 1, logger: silentLogger });
  const consumedOrder = new Map<string, string[]>();
  const attempts = new Map<string, number>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 10,
    handler(bulk) {
      for (const message of bulk) {
        const attempt = (attempts.get(message.body) ?? 0) + 1;
        attempts.set(message.body, attempt);
        if (attempt === 1 && message.body === 'A1') throw new Error('A1 fails once');
        if (attempt <= 2 && message.body === 'B3') {
          bulk.fail(message, new Error('B3 fails twice'));
          continue;
        }
        const group = message.groupId as string;
        consumedOrder.set(group, [...(consumedOrder.get(group) ?? []), message.body]);
      }
    },
  });
  const cleaned = new Set<string>();
  consumer.on('consumed', (messages) => messages.forEach((message) => cleaned.add(message.body)));
  await consumer.start();
  await until(() => cleaned.size === bodies.length, 30_000, 'every message consumed');
  await consumer.shutdown();
  for (const group of groups) {
    expect(consumedOrder.get(group), group).toEqual(bodies.filter((body) => body.startsWith(group)));
  }
  expect(attempts.get('A1')).toBe(2);
  expect(attempts.get('B3')).toBe(3);
  expect(await queueDepth(server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  await deleteQueue(server.client, url);
});
