import { describe, expect, it } from 'vitest';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { ChangeMessageVisibilityBatchRequest, SQSClient } from '@aws-sdk/client-sqs';
import { MessageEncodingError, MessageNotTakenError, ShutdownError, silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsMessage, SqsSourceOptions, UndeliveredMessage } from '../src/index.js';
import {
  createQueue,
  deleteQueue,
  queueDepth,
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

/** A source on a new queue (and a dead-letter queue its options may use). */
async function open(
  options: (dlqUrl: string) => Partial<SqsSourceOptions>,
  client: SQSClient = emulator.server.client,
): Promise<{ source: SqsSource; url: string; dlqUrl: string }> {
  const url = await createQueue(emulator.server.client, uniqueName('release'));
  const dlqUrl = await createQueue(emulator.server.client, uniqueName('release-dlq'));
  const source = new SqsSource({ client, queueUrl: url, waitTimeSeconds: 1, logger: silentLogger, ...options(dlqUrl) });
  cleanups.push(async () => {
    await source.close();
    if (client !== emulator.server.client) client.destroy();
    await deleteQueue(emulator.server.client, url);
    await deleteQueue(emulator.server.client, dlqUrl);
  });
  return { source, url, dlqUrl };
}

/** Receives with the source until it delivers something. */
async function getSome(source: SqsSource): Promise<SqsMessage[]> {
  let messages: SqsMessage[] = [];
  await until(async () => (messages = await source.get(never)).length > 0, 10_000, 'a delivery');
  return messages;
}

/** Makes a delivered message visible at once (as if its consumer had crashed), bypassing the source. */
async function dropLease(url: string, message: SqsMessage): Promise<void> {
  await emulator.server.client.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message.receipt, VisibilityTimeout: 0 }),
  );
}

describe('SqsSource.release()', () => {
  // The emulator.server's own visibility timer, in real time: 1 s.
  it('makes a failed message visible again after retryDelaySeconds', async () => {
    const { source, url } = await open(() => ({ retryDelaySeconds: 1, visibilityTimeoutSeconds: 30 }));
    await sendBodies(emulator.server.client, url, ['later']);
    const bulk = await getSome(source);
    const releasedAt = Date.now();
    await source.release(bulk, new Error('failed'));
    expect(await receiveRaw(emulator.server.client, url)).toEqual([]);
    const again = await getSome(source);
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(700);
    expect(again[0]?.receiveCount).toBe(2);
    await source.cleanup(again);
  });

  it('backs off by receive count: baseSeconds × 2^(receiveCount − 1), up to maxSeconds', async () => {
    const { client, inputs } = recordingClient<ChangeMessageVisibilityBatchRequest>(emulator.server, 'ChangeMessageVisibilityBatchCommand');
    const retryDelaySeconds = { baseSeconds: 1, maxSeconds: 3 };
    const { source, url } = await open(() => ({ retryDelaySeconds, visibilityTimeoutSeconds: 30, heartbeatInterval: 0 }), client);
    await sendBodies(emulator.server.client, url, ['backoff']);
    const delays: Array<[receiveCount: number, seconds: number | undefined]> = [];
    for (let receive = 1; receive <= 3; receive++) {
      const [message] = await getSome(source);
      expect(message?.receiveCount).toBe(receive);
      await source.release(message === undefined ? [] : [message], new Error(`failed ${receive}`));
      delays.push([receive, inputs.at(-1)?.Entries?.[0]?.VisibilityTimeout]);
      expect(await receiveRaw(emulator.server.client, url)).toEqual([]); // invisible for that long
      if (message !== undefined) await dropLease(url, message); // no need to wait it out: what SQS was asked is the point
    }
    expect(delays).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it.each([
    ['not taken from the bulk', new MessageNotTakenError()],
    ['unstarted at shutdown', new ShutdownError()],
  ])(
    'a message the handler never received (%s) is visible again at once, and not dead-lettered even at the receive limit',
    async (_case, uncharged) => {
      const { source, url, dlqUrl } = await open((queueUrl) => ({
        retryDelaySeconds: 30,
        visibilityTimeoutSeconds: 30,
        deadLetter: { queueUrl, maxReceiveCount: 1 },
      }));
      const deadLettered: UndeliveredMessage[] = [];
      source.on('deadLettered', (message) => deadLettered.push(message));
      await sendBodies(emulator.server.client, url, ['untaken']);
      const [message] = await getSome(source);
      expect(message?.receiveCount).toBe(1); // the limit
      await source.release(message === undefined ? [] : [message], uncharged);
      expect(source.inFlight).toBe(0);
      const [again] = await receiveRaw(emulator.server.client, url); // at once, not after 30 s
      expect(again?.Body).toBe('untaken');
      expect(again?.Attributes?.ApproximateReceiveCount).toBe('2'); // SQS counted the receive all the same
      expect(await receiveRaw(emulator.server.client, dlqUrl)).toEqual([]);
      expect(deadLettered).toEqual([]);

      // The control: a failure of the handler at the limit is dead-lettered.
      await sendBodies(emulator.server.client, url, ['failing']);
      const [failing] = await getSome(source);
      await source.release(failing === undefined ? [] : [failing], new Error('the handler failed'));
      expect(deadLettered.map((dead) => dead.body)).toEqual(['failing']);
      expect((await receiveRaw(emulator.server.client, dlqUrl)).map((dead) => dead.Body)).toEqual(['failing']);
    },
  );

  // A message that can never be handled (core's MessageEncodingError: it cannot cross to a pool thread).
  const poison = (): MessageEncodingError => new MessageEncodingError('message.body.callback', 'a function');

  it('a poison message goes to the dead-letter queue at once, far below the receive limit, saying why', async () => {
    const { source, url, dlqUrl } = await open((queueUrl) => ({
      retryDelaySeconds: 30,
      visibilityTimeoutSeconds: 30,
      deadLetter: { queueUrl, maxReceiveCount: 5 },
    }));
    const deadLettered: Array<[UndeliveredMessage, unknown]> = [];
    source.on('deadLettered', (message, reason) => deadLettered.push([message, reason]));
    await sendBodies(emulator.server.client, url, ['cannot cross', 'fine']);
    let delivered: SqsMessage[] = [];
    await until(async () => (delivered = [...delivered, ...(await source.get(never))]).length === 2, 10_000, 'both messages');
    const bad = delivered.filter((message) => message.body === 'cannot cross');
    const good = delivered.filter((message) => message.body === 'fine');
    expect(bad[0]?.receiveCount).toBe(1);
    await source.release(bad, poison());
    await source.cleanup(good);

    expect(deadLettered.map(([message]) => [message.body, message.receiveCount])).toEqual([['cannot cross', 1]]);
    expect(deadLettered[0]?.[1]).toBeInstanceOf(MessageEncodingError);
    const [dead] = await receiveRaw(emulator.server.client, dlqUrl);
    expect(dead?.Body).toBe('cannot cross');
    expect(dead?.MessageAttributes?.ConveyorError?.StringValue).toContain('MessageEncodingError');
    expect(dead?.MessageAttributes?.ConveyorError?.StringValue).toContain('message.body.callback');
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 }); // deleted from the queue
    expect(source.inFlight).toBe(0);
  });

  it('without deadLetter, a poison message is released after retryDelaySeconds like any failure', async () => {
    const { client, inputs } = recordingClient<ChangeMessageVisibilityBatchRequest>(emulator.server, 'ChangeMessageVisibilityBatchCommand');
    const { source, url } = await open(() => ({ retryDelaySeconds: 7, visibilityTimeoutSeconds: 30, heartbeatInterval: 0 }), client);
    await sendBodies(emulator.server.client, url, ['cannot cross']);
    const bulk = await getSome(source);
    await source.release(bulk, poison());
    expect(inputs.at(-1)?.Entries?.map((entry) => entry.VisibilityTimeout)).toEqual([7]);
    expect(await receiveRaw(emulator.server.client, url)).toEqual([]); // invisible for those 7 s, still in the queue
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 1 });
  });
});
