import { describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsMessage } from '../src/index.js';
import { createQueue, deleteQueue, fixture, queueDepth, sendBodies, uniqueName, until, useSqsEmulator } from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

async function openQueue(): Promise<{ url: string; source: SqsSource }> {
  const url = await createQueue(emulator.server.client, uniqueName('alo'));
  const source = new SqsSource({
    client: emulator.server.client,
    queueUrl: url,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 10,
    logger: silentLogger,
  });
  cleanups.push(() => deleteQueue(emulator.server.client, url));
  return { url, source };
}

/** Counts, per body, the deliveries the consumer cleaned up. */
function watchConsumed(consumer: Consumer<SqsMessage>): Map<string, SqsMessage[]> {
  const consumed = new Map<string, SqsMessage[]>();
  consumer.on('consumed', (messages) => {
    for (const message of messages) consumed.set(message.body, [...(consumed.get(message.body) ?? []), message]);
  });
  return consumed;
}

describe('at-least-once delivery from SQS', () => {
  it('a handler that throws or marks messages failed gets them again; each is deleted exactly once', async () => {
    const { url, source } = await openQueue();
    const bodies = Array.from({ length: 20 }, (_, index) => `m${index}`);
    await sendBodies(emulator.server.client, url, bodies);
    const consumer = new Consumer(source, {
      logger: silentLogger,
      maxPollers: 1,
      bulkSize: 5,
      handler(bulk) {
        for (const message of bulk) {
          if (message.receiveCount > 1) continue;
          if (message.body === 'm4') throw new Error('m4 fails once');
          if (message.body === 'm7') bulk.fail(message, new Error('m7 fails once'));
        }
      },
    });
    const consumed = watchConsumed(consumer);
    await consumer.start();
    await until(() => consumed.size === bodies.length, 20_000, 'every message consumed');
    await consumer.shutdown();
    for (const body of bodies) expect(consumed.get(body), body).toHaveLength(1);
    expect(consumed.get('m4')?.[0]?.receiveCount).toBe(2);
    expect(consumed.get('m7')?.[0]?.receiveCount).toBe(2);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('a pool thread that exits mid-bulk fails its whole bulk, which comes back and is consumed', async () => {
    const { url, source } = await openQueue();
    const bodies = ['a', 'b', 'exit', 'c', 'd'];
    await sendBodies(emulator.server.client, url, bodies);
    const consumer = new Consumer(source, {
      logger: silentLogger,
      handlerModule: fixture('exit-once-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 10,
    });
    const consumed = watchConsumed(consumer);
    let threadDeaths = 0;
    consumer.on('threadDied', () => threadDeaths++);
    await consumer.start();
    await until(() => consumed.size === bodies.length, 30_000, 'every message consumed');
    await consumer.shutdown();
    expect(threadDeaths).toBeGreaterThanOrEqual(1);
    expect(consumed.get('exit')?.[0]?.receiveCount).toBe(2);
    for (const body of bodies) expect(consumed.get(body), body).toHaveLength(1);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
