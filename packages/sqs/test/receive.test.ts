import { describe, expect, expectTypeOf, it } from 'vitest';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { silentLogger } from '@conveyor/core';
import type { DeliveredMessage } from '@conveyor/core/kit';
import { SqsBodyParseError, SqsError, SqsSource } from '../src/index.js';
import type { SqsMessage, SqsSourceOptions } from '../src/index.js';
import { createQueue, deleteQueue, receiveRaw, sendBodies, uniqueName, until, useSqsEmulator } from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

async function open<T = string>(options: Partial<SqsSourceOptions> = {}): Promise<{ source: SqsSource<T>; url: string }> {
  const url = await createQueue(emulator.server.client, uniqueName('receive'));
  const source = new SqsSource<T>({ client: emulator.server.client, queueUrl: url, waitTimeSeconds: 1, logger: silentLogger, ...options });
  cleanups.push(async () => {
    await source.close();
    await deleteQueue(emulator.server.client, url);
  });
  return { source, url };
}

const never = new AbortController().signal;

describe('SqsSource.get()', () => {
  it('fills a bulk larger than 10 with several receives at once, and respects the hint', async () => {
    const { source, url } = await open({ maxMessages: 30 });
    await sendBodies(
      emulator.server.client,
      url,
      Array.from({ length: 35 }, (_, index) => `m${index}`),
    );
    const bulk = await source.get(never, { maxMessages: 100 });
    expect(bulk).toHaveLength(30);
    expect(new Set(bulk.map((message) => message.id)).size).toBe(30);
    const limited = await source.get(never, { maxMessages: 3 });
    expect(limited).toHaveLength(3);
    expect(source.inFlight).toBe(33);
    await source.cleanup([...bulk, ...limited]);
    expect(source.inFlight).toBe(0);
  });

  it("delivers the glossary's delivered message: id (the MessageId), body, receiveCount and receipt (the receipt handle)", async () => {
    expectTypeOf<SqsMessage<{ n: number }>>().toExtend<DeliveredMessage<{ n: number }, string>>();
    const { source, url } = await open();
    const { MessageId } = await emulator.server.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'shape' }));
    const [message] = await source.get(never);
    expect(message).toMatchObject({ id: MessageId, body: 'shape', receiveCount: 1 });
    expect(message?.receipt).toMatch(/\S/);
    expect(message).not.toHaveProperty('messageId');
    expect(message).not.toHaveProperty('receiptHandle');
    // The receipt is what settles this delivery.
    await source.cleanup(message === undefined ? [] : [message]);
    expect(source.inFlight).toBe(0);
    expect(await receiveRaw(emulator.server.client, url)).toEqual([]);
  });

  it('exposes system attributes and message attributes as plain JSON data', async () => {
    const { source, url } = await open();
    const before = Date.now();
    await sendBodies(emulator.server.client, url, ['hello'], () => ({
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'greeting' },
        count: { DataType: 'Number', StringValue: '3' },
        raw: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 255]) },
      },
    }));
    const [message] = await source.get(never);
    expect(message).toBeDefined();
    const received = message as SqsMessage;
    expect(received.body).toBe('hello');
    expect(received.receiveCount).toBe(1);
    expect(received.sentTimestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(received.attributes.ApproximateReceiveCount).toBe('1');
    expect(received.messageAttributes).toEqual({
      kind: { dataType: 'String', stringValue: 'greeting' },
      count: { dataType: 'Number', stringValue: '3' },
      raw: { dataType: 'Binary', binaryValue: Buffer.from([1, 2, 255]).toString('base64') },
    });
    // What crosses to pool threads as JSON arrives unchanged.
    expect(JSON.parse(JSON.stringify(received))).toEqual(received);
    await source.cleanup([received]);
  });

  it('parses JSON bodies; a body that does not parse is a failed message, never delivered', async () => {
    const { source, url } = await open<{ n: number }>({ bodyFormat: 'json' });
    const invalid: Array<{ receiveCount: number; error: unknown }> = [];
    source.on('invalidBody', (message, error) => invalid.push({ receiveCount: message.receiveCount, error }));
    await sendBodies(emulator.server.client, url, ['{"n":1}', 'not json {']);
    const received: SqsMessage<{ n: number }>[] = [];
    await until(
      async () => {
        received.push(...(await source.get(never)));
        return received.length >= 1 && invalid.length >= 1;
      },
      10_000,
      'the good message and the bad one',
    );
    expect(received.map((message) => message.body)).toEqual([{ n: 1 }]);
    expect(invalid[0]?.error).toBeInstanceOf(SqsBodyParseError);
    expect((invalid[0]?.error as SqsBodyParseError).code).toBe('SQS_BODY_PARSE');
    // Released like any failed message: it comes back (and would reach a dead-letter queue).
    await until(
      async () => {
        received.push(...(await source.get(never)));
        return invalid.length >= 2;
      },
      10_000,
      'the bad message to come back',
    );
    expect(invalid[1]?.receiveCount).toBe(2);
    expect(received).toHaveLength(1);
    await source.cleanup(received);
  });

  it('returns promptly when its signal aborts, even with the default 20 s long poll', async () => {
    const { source } = await open({ waitTimeSeconds: 20 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = source.get(controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3_000);
    // close() ends a pending long poll too.
    const second = source.get(never);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await source.close();
    expect(await second).toEqual([]);
  });

  it('rejects with a typed error when the queue does not exist', async () => {
    const source = new SqsSource({ client: emulator.server.client, queueName: uniqueName('missing'), logger: silentLogger });
    const error = await source.get(never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqsError);
    expect(error).toMatchObject({ code: 'SQS_QUEUE_NOT_FOUND', operation: 'GetQueueUrl', retryable: false });
    await source.close();
  });
});
