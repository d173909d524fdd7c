import { describe, expect, it } from 'vitest';
import type { SendMessageBatchRequest } from '@aws-sdk/client-sqs';
import { SqsSendError, SqsSender } from '../src/index.js';
import type { SqsSenderOptions } from '../src/index.js';
import { createQueue, deleteQueue, drain, queueDepth, receiveRaw, recordingClient, uniqueName, useSqsEmulator } from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

/** A new queue (FIFO when the name ends in .fifo) and a sender to it. */
async function open<T = string>(
  name: string,
  options: Partial<SqsSenderOptions<T>> = {},
  attributes: Record<string, string> = {},
): Promise<{ sender: SqsSender<T>; url: string }> {
  const unique = name.endsWith('.fifo') ? uniqueName(name.slice(0, -'.fifo'.length), '.fifo') : uniqueName(name);
  const url = await createQueue(emulator.server.client, unique, attributes);
  const sender = new SqsSender<T>({ client: emulator.server.client, queueUrl: url, ...options });
  cleanups.push(async () => {
    await sender.close();
    await deleteQueue(emulator.server.client, url);
  });
  return { sender, url };
}

async function rejection(promise: Promise<unknown>): Promise<SqsSendError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SqsSendError);
  return error as SqsSendError;
}

describe('SqsSender on a standard queue', () => {
  it('sends every body, 10 a call, and resolves to their MessageIds in order', async () => {
    const { client, inputs } = recordingClient<SendMessageBatchRequest>(emulator.server, 'SendMessageBatchCommand');
    cleanups.push(() => Promise.resolve(client.destroy()));
    const { sender, url } = await open('send', { client });
    const bodies = Array.from({ length: 25 }, (_, index) => `order ${index}`);
    const ids = await sender.send(bodies);
    expect(inputs.map((input) => input.Entries?.length)).toEqual([10, 10, 5]);
    expect(new Set(ids).size).toBe(25);
    const received = await drain(emulator.server.client, url, 25);
    const idOf = new Map(received.map((message) => [message.Body, message.MessageId]));
    expect(bodies.map((body) => idOf.get(body))).toEqual(ids);
  });

  it("writes bodies as JSON with bodyFormat 'json', with message attributes and delays", async () => {
    const { sender, url } = await open<{ id: number }>('send-json', { bodyFormat: 'json' });
    const binary = Buffer.from([0, 1, 2, 250]).toString('base64');
    await sender.sendMessages([
      { body: { id: 1 }, messageAttributes: { priority: 2, kind: 'order', blob: { dataType: 'Binary', binaryValue: binary } } },
      { body: { id: 2 }, delaySeconds: 60 },
    ]);
    const [first, ...others] = await receiveRaw(emulator.server.client, url);
    expect(others).toEqual([]); // the second is delayed a minute
    expect(JSON.parse(first?.Body ?? '')).toEqual({ id: 1 });
    expect(first?.MessageAttributes?.priority).toMatchObject({ DataType: 'Number', StringValue: '2' });
    expect(first?.MessageAttributes?.kind).toMatchObject({ DataType: 'String', StringValue: 'order' });
    expect(Buffer.from(first?.MessageAttributes?.blob?.BinaryValue ?? new Uint8Array()).toString('base64')).toBe(binary);
    expect(await queueDepth(emulator.server.client, url)).toMatchObject({ visible: 0 });
  });

  it('keeps each call within 256 KiB, and at most maxConcurrentBatches calls in flight', async () => {
    const { client, inputs } = recordingClient<SendMessageBatchRequest>(emulator.server, 'SendMessageBatchCommand');
    cleanups.push(() => Promise.resolve(client.destroy()));
    let inFlight = 0;
    let most = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    const { sender, url } = await open('send-big', { client, maxConcurrentBatches: 2 });
    const bodies = Array.from({ length: 12 }, (_, index) => `${index}`.padEnd(40_000, '.'));
    await sender.send([...bodies, ...Array.from({ length: 40 }, (_, index) => `small ${index}`)]);
    // 6 bodies of 40 kB fill a call; the calls run two at a time, so they may start in any order.
    expect(inputs.map((input) => input.Entries?.length ?? 0).sort((a, b) => a - b)).toEqual([6, 6, 10, 10, 10, 10]);
    expect(most).toBe(2);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 52, inFlight: 0 });
  });

  it('refuses, before sending anything, a send with a body it cannot write', async () => {
    const { sender, url } = await open<unknown>('send-bad');
    const error = await rejection(sender.send(['fine', 42, '']));
    expect(error.code).toBe('SQS_SEND_FAILED');
    expect(error.failures.map((failure) => [failure.index, failure.awsCode, failure.senderFault])).toEqual([
      [1, 'InvalidMessage', true],
      [2, 'InvalidMessage', true],
    ]);
    expect(error.failures[0]?.message).toContain("with bodyFormat 'text' a body is a string, got `42` (number)");
    expect(error.messageIds).toEqual([undefined, undefined, undefined]);
    const json = new SqsSender<unknown>({ client: emulator.server.client, queueUrl: url, bodyFormat: 'json' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const jsonError = await rejection(json.send([{ ok: true }, cyclic, () => 1, 10n]));
    expect(jsonError.failures.map((failure) => failure.index)).toEqual([1, 2, 3]);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('reports a call SQS cannot answer (no such queue) without retrying it', async () => {
    const { client, inputs } = recordingClient<SendMessageBatchRequest>(emulator.server, 'SendMessageBatchCommand');
    cleanups.push(() => Promise.resolve(client.destroy()));
    const sender = new SqsSender({ client, queueUrl: `${emulator.server.endpoint}/000000000000/${uniqueName('missing')}` });
    const error = await rejection(sender.send(['a', 'b']));
    expect(inputs).toHaveLength(1);
    expect(error.failures.map((failure) => [failure.index, failure.awsCode, failure.senderFault])).toEqual([
      [0, 'AWS.SimpleQueueService.NonExistentQueue', true],
      [1, 'AWS.SimpleQueueService.NonExistentQueue', true],
    ]);
    expect((error.cause as { code?: string }).code).toBe('SQS_QUEUE_NOT_FOUND');
  });

  it('finds the queue by name', async () => {
    const name = uniqueName('by-name');
    const url = await createQueue(emulator.server.client, name);
    cleanups.push(() => deleteQueue(emulator.server.client, url));
    const sender = new SqsSender({ clientConfig: emulator.server.clientConfig, queueName: name });
    await sender.send(['found']);
    await sender.close();
    expect((await receiveRaw(emulator.server.client, url)).map((message) => message.Body)).toEqual(['found']);
  });
});

describe('SqsSender on a FIFO queue', () => {
  it('sends in order within each group, with deduplication ids derived once per message', async () => {
    const derived: string[] = [];
    const { sender, url } = await open<{ customer: string; n: number }>('send-fifo.fifo', {
      bodyFormat: 'json',
      groupId: (order) => order.customer,
      deduplicationId: (order) => {
        derived.push(`${order.customer}-${order.n}`);
        return `${order.customer}-${order.n}`;
      },
    });
    const orders = Array.from({ length: 24 }, (_, n) => ({ customer: n % 2 === 0 ? 'ann' : 'bob', n }));
    const ids = await sender.send([...orders, orders[0] as { customer: string; n: number }]); // the last one is a duplicate
    expect(ids).toHaveLength(25);
    expect(derived).toHaveLength(25);
    const received = await drain(emulator.server.client, url, 24);
    const bodies = received.map((message) => JSON.parse(message.Body ?? '') as { customer: string; n: number });
    for (const customer of ['ann', 'bob']) {
      const sent = orders.filter((order) => order.customer === customer).map((order) => order.n);
      expect(bodies.filter((order) => order.customer === customer).map((order) => order.n)).toEqual(sent);
    }
    expect(received[0]?.Attributes?.MessageDeduplicationId).toBe('ann-0');
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 }); // the duplicate was dropped by SQS
  });

  it("leaves deduplication to the queue's content-based deduplication, when it has it", async () => {
    const { sender, url } = await open('send-content.fifo', { groupId: 'all' }, { ContentBasedDeduplication: 'true' });
    await sender.sendMessages([{ body: 'same' }, { body: 'other' }, { body: 'same' }, { body: 'third', groupId: 'own' }]);
    const received = await drain(emulator.server.client, url, 3);
    expect(received.map((message) => message.Body).sort()).toEqual(['other', 'same', 'third']);
    expect(received.find((message) => message.Body === 'third')?.Attributes?.MessageGroupId).toBe('own');
  });

  it('without content-based deduplication or an id, SQS refuses every message: reported, not retried', async () => {
    const { client, inputs } = recordingClient<SendMessageBatchRequest>(emulator.server, 'SendMessageBatchCommand');
    cleanups.push(() => Promise.resolve(client.destroy()));
    const { sender } = await open('send-no-dedup.fifo', { client, groupId: 'all' });
    const error = await rejection(sender.send(['a', 'b']));
    expect(inputs).toHaveLength(1);
    expect(error.failures.map((failure) => [failure.index, failure.awsCode, failure.senderFault])).toEqual([
      [0, 'InvalidParameterValue', true],
      [1, 'InvalidParameterValue', true],
    ]);
    expect(error.failures[0]?.message).toContain('ContentBasedDeduplication');
  });

  it('refuses, before sending anything, a FIFO message without a group', async () => {
    const { sender, url } = await open('send-no-group.fifo', {}, { ContentBasedDeduplication: 'true' });
    const error = await rejection(sender.sendMessages([{ body: 'grouped', groupId: 'g' }, { body: 'lost' }]));
    expect(error.failures).toEqual([
      { index: 1, awsCode: 'InvalidMessage', senderFault: true, message: expect.stringContaining('needs a group id') as string },
    ]);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
