import { describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Consumer, MessageEncodingError, silentLogger } from '@conveyor/core';
import { SqsSource } from '../src/index.js';
import type { SqsMessage, SqsSourceOptions, UndeliveredMessage } from '../src/index.js';
import { createQueue, deleteQueue, fixture, queueDepth, receiveRaw, sendBodies, uniqueName, until, useSqsEmulator } from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

async function queues(
  mainAttributes: (dlqArn: string) => Record<string, string> = () => ({}),
): Promise<{ url: string; dlqUrl: string; dlqName: string }> {
  const dlqName = uniqueName('dlq');
  const dlqUrl = await createQueue(emulator.server.client, dlqName);
  const { Attributes } = await emulator.server.client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const url = await createQueue(emulator.server.client, uniqueName('dl-main'), mainAttributes(Attributes?.QueueArn ?? ''));
  cleanups.push(async () => {
    await deleteQueue(emulator.server.client, url);
    await deleteQueue(emulator.server.client, dlqUrl);
  });
  return { url, dlqUrl, dlqName };
}

/** Runs a consumer whose handler always fails `poison` until `done()` holds. */
async function consumeWithPoison(
  options: SqsSourceOptions,
  done: (consumed: ReadonlySet<string>) => boolean | Promise<boolean>,
): Promise<{ consumed: Set<string>; source: SqsSource<never> }> {
  const source = new SqsSource<never>({ client: emulator.server.client, waitTimeSeconds: 1, logger: silentLogger, ...options });
  const consumed = new Set<string>();
  const consumer = new Consumer<SqsMessage<never>>(source, {
    logger: silentLogger,
    maxPollers: 1,
    bulkSize: 10,
    handler(bulk) {
      for (const message of bulk) {
        if (String(message.body) === 'poison') throw new Error('cannot handle poison');
        consumed.add(String(message.body));
      }
    },
  });
  await consumer.start();
  await until(() => done(consumed), 20_000, 'the dead-letter outcome').catch((error: unknown) => {
    throw new Error(`${String(error)}; consumed: ${[...consumed].join(',')}; unsettled at the source: ${source.inFlight}`);
  });
  await consumer.shutdown();
  return { consumed, source };
}

describe('dead letters', () => {
  it('the source moves a message to its dead-letter queue after maxReceiveCount failed receives', async () => {
    const { url, dlqUrl, dlqName } = await queues();
    // The goods come first: messages after a throwing one fail with it, and their receives count too.
    await sendBodies(emulator.server.client, url, ['good-1', 'good-2', 'poison']);
    const dead: Awaited<ReturnType<typeof receiveRaw>> = [];
    const { consumed } = await consumeWithPoison(
      { queueUrl: url, deadLetter: { queueName: dlqName, maxReceiveCount: 2 } },
      async (consumed) => {
        dead.push(...(await receiveRaw(emulator.server.client, dlqUrl)));
        return dead.length > 0 && consumed.size === 2;
      },
    );
    expect([...consumed].sort()).toEqual(['good-1', 'good-2']);
    expect(dead.map((message) => message.Body)).toEqual(['poison']);
    expect(dead[0]?.MessageAttributes?.ConveyorError?.StringValue).toContain('cannot handle poison');
    await until(async () => (await queueDepth(emulator.server.client, url)).inFlight === 0, 5_000, 'the delete from the main queue');
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('a message received more often than allowed (its consumers crashed) is moved without reaching a handler', async () => {
    const { url, dlqUrl } = await queues();
    await sendBodies(emulator.server.client, url, ['crasher']);
    // Two deliveries nobody settled, as after two crashes.
    for (let receive = 0; receive < 2; receive++) {
      await until(async () => (await receiveRaw(emulator.server.client, url, 0, 0)).length === 1, 5_000, 'a raw receive');
    }
    const source = new SqsSource({
      client: emulator.server.client,
      queueUrl: url,
      waitTimeSeconds: 1,
      logger: silentLogger,
      deadLetter: { queueUrl: dlqUrl, maxReceiveCount: 2 },
    });
    const moved: UndeliveredMessage[] = [];
    source.on('deadLettered', (message) => moved.push(message));
    const delivered: SqsMessage[] = [];
    const never = new AbortController().signal;
    await until(
      async () => {
        delivered.push(...(await source.get(never)));
        return moved.length > 0;
      },
      10_000,
      'the move',
    );
    await source.close(); // waits for the move to finish
    expect(delivered).toEqual([]);
    expect(moved[0]).toMatchObject({ body: 'crasher', receiveCount: 3 });
    expect((await receiveRaw(emulator.server.client, dlqUrl)).map((message) => message.Body)).toEqual(['crasher']);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('a body that is not JSON goes to the dead-letter queue once its receives run out', async () => {
    const { url, dlqUrl } = await queues();
    await sendBodies(emulator.server.client, url, ['{"ok":true}', '{broken']);
    const source = new SqsSource<{ ok: boolean }>({
      client: emulator.server.client,
      queueUrl: url,
      waitTimeSeconds: 1,
      bodyFormat: 'json',
      logger: silentLogger,
      deadLetter: { queueUrl: dlqUrl, maxReceiveCount: 1 },
    });
    const never = new AbortController().signal;
    const delivered = await source.get(never);
    await source.cleanup(delivered);
    await source.close();
    expect(delivered.map((message) => message.body)).toEqual([{ ok: true }]);
    const dead = await receiveRaw(emulator.server.client, dlqUrl);
    expect(dead.map((message) => message.Body)).toEqual(['{broken']);
    expect(dead[0]?.MessageAttributes?.ConveyorError?.StringValue).toContain('SqsBodyParseError');
  });

  it("the queue's own redrive policy is respected: failed messages are released and SQS moves them", async () => {
    const { url, dlqUrl } = await queues((arn) => ({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 2 }) }));
    await sendBodies(emulator.server.client, url, ['good', 'poison']);
    const dead: Awaited<ReturnType<typeof receiveRaw>> = [];
    const { consumed } = await consumeWithPoison({ queueUrl: url }, async (consumed) => {
      dead.push(...(await receiveRaw(emulator.server.client, dlqUrl)));
      return dead.length > 0 && consumed.size === 1;
    });
    expect([...consumed]).toEqual(['good']);
    expect(dead.map((message) => message.Body)).toEqual(['poison']);
  });

  it('a message that cannot cross to a pool thread (poison) goes to the dead-letter queue at once; the others are consumed', async () => {
    const { url, dlqUrl } = await queues();
    await sendBodies(emulator.server.client, url, ['plain-1', 'with-callback', 'plain-2']);
    // A source that decorates one message with a function, as a user's subclass might: it can never be handled on a pool thread.
    class Decorating extends SqsSource {
      override async get(signal: AbortSignal): Promise<SqsMessage[]> {
        const messages = await super.get(signal);
        return messages.map((message) => (message.body === 'with-callback' ? { ...message, onDone: () => undefined } : message));
      }
    }
    const source = new Decorating({
      client: emulator.server.client,
      queueUrl: url,
      waitTimeSeconds: 1,
      logger: silentLogger,
      deadLetter: { queueUrl: dlqUrl, maxReceiveCount: 5 },
    });
    const moved: UndeliveredMessage[] = [];
    source.on('deadLettered', (message) => moved.push(message));
    const consumed: string[] = [];
    const failed: unknown[] = [];
    const consumer = new Consumer<SqsMessage>(source, {
      handlerModule: fixture('consume-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      logger: silentLogger,
    });
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body)));
    consumer.on('failed', (_messages, error) => failed.push(error));
    await consumer.start();
    const dead: Awaited<ReturnType<typeof receiveRaw>> = [];
    try {
      await until(
        async () => {
          dead.push(...(await receiveRaw(emulator.server.client, dlqUrl)));
          return dead.length > 0 && consumed.length === 2;
        },
        20_000,
        'the poison moved and the others consumed',
      );
    } finally {
      await consumer.shutdown();
    }
    expect(consumed.sort()).toEqual(['plain-1', 'plain-2']);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(MessageEncodingError);
    expect(moved.map((message) => [message.body, message.receiveCount])).toEqual([['with-callback', 1]]); // its first receive
    expect(dead.map((message) => message.Body)).toEqual(['with-callback']);
    expect(dead[0]?.MessageAttributes?.ConveyorError?.StringValue).toContain('MessageEncodingError');
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
