import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName, until } from './helpers.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

it('NatsSender publishes the trace context as headers, NatsSource reads it back and describes itself', async () => {
  const connection = await connectNats();
  const stream = uniqueName('trace');
  const source = new NatsSource({ connection, stream, consumer: 'workers', maxWait: 1000, logger: silentLogger });
  await source.bind();
  const sender = new NatsSender({ connection, subject: `${stream}.orders`, traceContext: () => ({ traceparent, tracestate: 'v=1' }) });
  await sender.sendBatch(['a', { body: 'b', headers: { traceparent: own } }]);
  const received: NatsMessage[] = [];
  const never = new AbortController().signal;
  await until(
    async () => {
      received.push(...(await source.get(never, { maxMessages: 10 })));
      return received.length >= 2;
    },
    10_000,
    'two messages',
  );
  expect(received.map((message) => source.traceContext(message))).toEqual([{ traceparent, tracestate: 'v=1' }, { traceparent: own }]);
  expect(source.describe()).toEqual({ system: 'nats', destination: stream });
  await source.cleanup(received);
  await sender.close();
  await source.close();
  await deleteStreams(connection, stream, source.options.deadLetter.stream);
  await connection.close();
});
