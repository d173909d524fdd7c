import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { runSourceConformance } from '@conveyor/conformance';
import { SqsSource } from '../src/index.js';
import type { SqsMessage } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { createQueue, deleteQueue, sendBodies, startSqsServer, uniqueName } from './helpers.js';

let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer();
});
afterAll(async () => {
  await server.stop();
});

// The suite's "consumer died" case leaves a message unsettled in a live source:
// a real crash also kills the heartbeat, so the heartbeat is off here.
const sourceOptions = { waitTimeSeconds: 1, visibilityTimeoutSeconds: 1, heartbeatInterval: 0, logger: silentLogger } as const;

runSourceConformance<SqsMessage>(
  'SqsSource (standard queue)',
  async () => {
    const url = await createQueue(server.client, uniqueName('conformance'));
    const source = new SqsSource({ ...sourceOptions, clientConfig: server.clientConfig, queueUrl: url, maxMessages: 20 });
    return {
      source,
      send: (bodies) => sendBodies(server.client, url, bodies),
      bodyOf: (message) => message.body,
      dispose: () => deleteQueue(server.client, url),
    };
  },
  { redeliveryAfterMs: 1_000, countsEveryReceive: true },
);

runSourceConformance<SqsMessage>(
  'SqsSource (FIFO queue, one group per message)',
  async () => {
    const name = uniqueName('conformance', '.fifo');
    const url = await createQueue(server.client, name);
    // By name, so queue resolution is covered too.
    const source = new SqsSource({ ...sourceOptions, client: server.client, queueName: name });
    return {
      source,
      send: (bodies) => sendBodies(server.client, url, bodies, (body) => ({ MessageGroupId: body, MessageDeduplicationId: body })),
      bodyOf: (message) => message.body,
      dispose: () => deleteQueue(server.client, url),
    };
  },
  { redeliveryAfterMs: 1_000, countsEveryReceive: true },
);
