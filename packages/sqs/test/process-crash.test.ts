import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsMessage } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { createQueue, deleteQueue, fixture, queueDepth, sendBodies, startSqsServer, uniqueName, until } from './helpers.js';

let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer();
});
afterAll(async () => {
  await server.stop();
});

it('a consumer process SIGKILLed mid-bulk loses nothing: its messages come back after the visibility timeout', async () => {
  const url = await createQueue(server.client, uniqueName('crash'));
  const bodies = ['p0', 'p1', 'p2', 'p3', 'p4'];
  await sendBodies(server.client, url, bodies);

  const child = spawn(process.execPath, [fileURLToPath(fixture('consumer-process.ts'))], {
    env: { ...process.env, SQS_CLIENT_CONFIG: JSON.stringify(server.clientConfig), QUEUE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await until(() => output.includes('holding'), 20_000, `the child to hold a bulk (output: ${output})`);
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  const held = Number(/holding (\d+)/.exec(output)?.[1]);
  expect(held).toBeGreaterThan(0);
  // Held by the dead process (its heartbeat kept them invisible until the kill).
  const inFlightAtKill = (await queueDepth(server.client, url)).inFlight;
  expect(inFlightAtKill).toBeGreaterThanOrEqual(held);

  // Another consumer gets every message, the held ones on their second delivery.
  const source = new SqsSource({ client: server.client, queueUrl: url, waitTimeSeconds: 1, logger: silentLogger });
  const received = new Map<string, SqsMessage>();
  const never = new AbortController().signal;
  await until(
    async () => {
      const bulk = await source.get(never);
      for (const message of bulk) received.set(message.body, message);
      await source.cleanup(bulk);
      return received.size === bodies.length;
    },
    20_000,
    'every message to be received again',
  );
  expect([...received.keys()].sort()).toEqual(bodies);
  expect([...received.values()].filter((message) => message.receiveCount === 2)).toHaveLength(inFlightAtKill);
  expect(await queueDepth(server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  await source.close();
  await deleteQueue(server.client, url);
});
