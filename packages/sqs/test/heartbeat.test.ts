import { describe, expect, it } from 'vitest';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ChangeMessageVisibilityBatchRequest } from '@aws-sdk/client-sqs';
import { silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { SqsBatchEntryError, SqsSource } from '../src/index.js';
import type { SqsMessage, SqsSourceOptions } from '../src/index.js';
import {
  clientRefusing,
  createQueue,
  delay,
  deleteQueue,
  receiveRaw,
  recordingClient,
  sendBodies,
  uniqueName,
  until,
  useSqsEmulator,
} from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

const never = new AbortController().signal;

/** A source on a new queue holding one delivered message, with a ManualClock; counts the extensions. */
async function holding(
  client: SQSClient,
  options: Partial<SqsSourceOptions>,
): Promise<{ source: SqsSource; message: SqsMessage; clock: ManualClock; url: string; extensions: () => number }> {
  const url = await createQueue(emulator.server.client, uniqueName('heartbeat'));
  const clock = new ManualClock();
  const source = new SqsSource({ client, queueUrl: url, waitTimeSeconds: 1, logger: silentLogger, clock, ...options });
  cleanups.push(async () => {
    await source.close();
    client.destroy();
    await deleteQueue(emulator.server.client, url);
  });
  let extensions = 0;
  source.on('extended', (count) => (extensions += count));
  await sendBodies(emulator.server.client, url, ['slow']);
  let delivered: SqsMessage[] = [];
  await until(async () => (delivered = await source.get(never)).length > 0, 10_000, 'the message');
  return { source, message: delivered[0] as SqsMessage, clock, url, extensions: () => extensions };
}

// The heartbeat's own timing, on a ManualClock: no test here waits for it in real time.
describe('visibility heartbeat (on the source clock)', () => {
  it('extends the lease of an unsettled message every heartbeatInterval, and stops once it is settled', async () => {
    const { client, inputs } = recordingClient<ChangeMessageVisibilityBatchRequest>(emulator.server, 'ChangeMessageVisibilityBatchCommand');
    const held = await holding(client, { visibilityTimeoutSeconds: 30, heartbeatInterval: 10_000 });
    await held.clock.advance(9_999);
    expect(inputs).toHaveLength(0);
    for (let beat = 1; beat <= 3; beat++) {
      await held.clock.advance(beat === 1 ? 1 : 10_000);
      await until(() => held.extensions() === beat, 5_000, `extension ${beat}`);
    }
    const entries = inputs.map((input) => (input.Entries ?? []).map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]));
    expect(entries).toEqual(Array.from({ length: 3 }, () => [[held.message.receipt, 30]]));
    await held.source.cleanup([held.message]);
    await held.clock.advance(10_000);
    expect(inputs).toHaveLength(3);
    expect(held.clock.pending).toBe(0); // nothing left to watch: the timer is not scheduled again
  });

  it('stops extending a message maxExtensionSeconds after its receipt', async () => {
    const held = await holding(new SQSClient(emulator.server.clientConfig), {
      visibilityTimeoutSeconds: 30,
      heartbeatInterval: 10_000,
      maxExtensionSeconds: 60,
    });
    // Extended at 10, 20 and 30 s (each to 30 s more: at most 60 s after receipt); not at 40 s.
    for (let second = 10; second <= 30; second += 10) {
      await held.clock.advance(10_000);
      await until(() => held.extensions() === second / 10, 5_000, `the extension at ${second} s`);
    }
    await held.clock.advance(30_000);
    expect(held.extensions()).toBe(3);
    expect(held.source.inFlight).toBe(1); // still the handler's to settle
  });

  it('forgets a lease whose delete failed once its visibility ran out (SQS delivers it again)', async () => {
    const { client } = clientRefusing(emulator.server, () => ({ code: 'InternalError', senderFault: false }));
    const held = await holding(client, { visibilityTimeoutSeconds: 30, heartbeatInterval: 0, entryAttempts: 1 });
    const error = await held.source.cleanup([held.message]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqsBatchEntryError);
    expect(held.source.inFlight).toBe(1); // a retry of cleanup() may still delete it
    await held.clock.advance(30_000);
    expect(held.source.inFlight).toBe(1);
    await held.clock.advance(30_000);
    expect(held.source.inFlight).toBe(0);
  });
});

// What the heartbeat is for, checked against the emulator.server's own (real) visibility timer:
// 1 s, held for 1.6 s; both runs at once.
describe('visibility heartbeat (against the emulator.server)', () => {
  /**
   * Holds a delivered message while a second consumer polls; returns how often that consumer got it.
   * With the heartbeat on, its interval is the default: a third of the 1 s timeout.
   */
  async function stolenWhileHeld(heartbeat: boolean): Promise<number> {
    const held = await holding(new SQSClient(emulator.server.clientConfig), {
      visibilityTimeoutSeconds: 1,
      ...(heartbeat ? {} : { heartbeatInterval: 0 }),
    });
    let stolen = 0;
    for (const end = Date.now() + 1_600; Date.now() < end && stolen === 0;) {
      const before = held.extensions();
      await held.clock.advance(500);
      if (heartbeat) await until(() => held.extensions() > before, 5_000, 'the extension');
      stolen += (await receiveRaw(emulator.server.client, held.url, 0, 30)).length;
      await delay(200);
    }
    return stolen;
  }

  it('keeps a held message from another consumer past its visibility timeout; without it, the message is delivered again', async () => {
    const [withHeartbeat, without] = await Promise.all([stolenWhileHeld(true), stolenWhileHeld(false)]);
    expect(withHeartbeat).toBe(0);
    expect(without).toBeGreaterThan(0);
  });
});
