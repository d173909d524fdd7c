import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsTestServer } from './helpers.js';
import { createQueue, deleteQueue, queueDepth, receiveRaw, sendBodies, startSqsServer, uniqueName, until } from './helpers.js';

let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer();
});
afterAll(async () => {
  await server.stop();
});

/**
 * A slow handler holds one message for `holdMs` while a second consumer keeps
 * polling the queue; returns how often the message was delivered again meanwhile
 * (to the second consumer, or to the first one's own poller).
 */
async function slowHandlerRace(
  heartbeatInterval: number,
  holdMs: number,
): Promise<{ duplicates: number; extensions: number; url: string }> {
  const url = await createQueue(server.client, uniqueName('heartbeat'));
  await sendBodies(server.client, url, ['slow']);
  const source = new SqsSource({
    client: server.client,
    queueUrl: url,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 2,
    heartbeatInterval,
    logger: silentLogger,
  });
  let extensions = 0;
  source.on('extended', (count) => (extensions += count));
  let handling = false;
  let done = false;
  let redelivered = 0;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 1,
    async handler(bulk) {
      for (const message of bulk) {
        if (message.receiveCount > 1) {
          redelivered++;
          continue;
        }
        handling = true;
        await new Promise((resolve) => setTimeout(resolve, holdMs)); // a long job (on a pool thread in real life)
        done = true;
      }
    },
  });
  await consumer.start();
  await until(() => handling, 10_000, 'the handler to start');
  let stolen = 0;
  while (!done && stolen + redelivered === 0) {
    stolen += (await receiveRaw(server.client, url, 0, 30)).length;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const duplicates = stolen + redelivered;
  await consumer.shutdown();
  return { duplicates, extensions, url };
}

describe('visibility heartbeat', () => {
  it('keeps a message a slow handler holds from being received by another consumer', async () => {
    const { duplicates, extensions, url } = await slowHandlerRace(500, 4_500);
    expect(duplicates).toBe(0);
    expect(extensions).toBeGreaterThanOrEqual(3);
    // Deleted once the handler finished.
    await until(async () => (await queueDepth(server.client, url)).inFlight === 0, 5_000, 'the delete');
    expect(await queueDepth(server.client, url)).toEqual({ visible: 0, inFlight: 0 });
    await deleteQueue(server.client, url);
  });

  it('without it, the message is delivered again while the handler still holds it (the control)', async () => {
    const { duplicates, extensions, url } = await slowHandlerRace(0, 4_500);
    expect(extensions).toBe(0);
    expect(duplicates).toBeGreaterThan(0);
    await deleteQueue(server.client, url);
  });
});
