import { describe, expect, it } from 'vitest';
import { SqsSendError, SqsSender, SqsSource } from '../src/index.js';
import type { SqsMessage } from '../src/index.js';
import { createQueue, deleteQueue, uniqueName, useSqsEmulator } from './helpers.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

async function queue(): Promise<string> {
  const url = await createQueue(emulator.server.client, uniqueName('sender-trace'));
  cleanups.push(() => deleteQueue(emulator.server.client, url));
  return url;
}

async function receiveAll(source: SqsSource, count: number): Promise<SqsMessage[]> {
  const received: SqsMessage[] = [];
  const deadline = Date.now() + 5_000;
  while (received.length < count && Date.now() < deadline) received.push(...(await source.get(new AbortController().signal)));
  return received;
}

describe('SqsSender trace context and size checks', () => {
  it('sends the trace context as traceparent/tracestate attributes, which SqsSource reads back', async () => {
    const queueUrl = await queue();
    let calls = 0;
    const sender = new SqsSender({
      client: emulator.server.client,
      queueUrl,
      traceContext: () => {
        calls++;
        return { traceparent, tracestate: 'vendor=1' };
      },
    });
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    await sender.sendMessages([
      { body: 'plain' },
      { body: 'own', traceContext: { traceparent: own } },
      { body: 'kept', messageAttributes: { kind: 'order' } },
    ]);
    expect(calls).toBe(1); // read once per send call, not per message
    const source = new SqsSource({ client: emulator.server.client, queueUrl, waitTimeSeconds: 0 });
    const messages = await receiveAll(source, 3);
    const byBody = new Map(messages.map((message) => [message.body, message]));
    expect(source.traceContext(byBody.get('plain') as SqsMessage)).toEqual({ traceparent, tracestate: 'vendor=1' });
    expect(source.traceContext(byBody.get('own') as SqsMessage)).toEqual({ traceparent: own });
    expect(source.traceContext(byBody.get('kept') as SqsMessage)).toEqual({ traceparent, tracestate: 'vendor=1' });
    expect(byBody.get('kept')?.messageAttributes.kind?.stringValue).toBe('order');
    expect(source.describe()).toEqual({ system: 'aws_sqs', destination: queueUrl.split('/').pop() });
    await source.cleanup(messages);
    await source.close();
  });

  it('never fails a send for tracing: a message with 9 attributes is sent without the trace context', async () => {
    const queueUrl = await queue();
    const sender = new SqsSender({ client: emulator.server.client, queueUrl, traceContext: () => ({ traceparent, tracestate: 'a=b' }) });
    const attributes = Object.fromEntries(Array.from({ length: 9 }, (_, n) => [`a${n}`, String(n)]));
    await sender.sendMessages([{ body: 'full', messageAttributes: attributes }]);
    const source = new SqsSource({ client: emulator.server.client, queueUrl, waitTimeSeconds: 0 });
    const [message] = await receiveAll(source, 1);
    expect(Object.keys(message?.messageAttributes ?? {})).toHaveLength(9);
    expect(source.traceContext(message as SqsMessage)).toBeUndefined();
    await source.close();
  });

  it('refuses, before any call, a message larger than maxMessageBytes, saying what to do', async () => {
    const queueUrl = await queue();
    const sender = new SqsSender({ client: emulator.server.client, queueUrl, maxMessageBytes: 1000 });
    const error: unknown = await sender.send(['small', 'x'.repeat(1001)]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(SqsSendError);
    const failure = (error as SqsSendError).failures[0];
    expect(failure).toMatchObject({ index: 1, awsCode: 'InvalidMessage', senderFault: true });
    expect(failure?.message).toMatch(/1001 bytes .* at most 1000 \(`maxMessageBytes`\)/);
    const source = new SqsSource({ client: emulator.server.client, queueUrl, waitTimeSeconds: 0 });
    expect(await source.get(new AbortController().signal)).toEqual([]); // nothing was sent
    await source.close();
  });
});
