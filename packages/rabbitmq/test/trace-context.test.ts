import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { RabbitMqSender, RabbitMqSource } from '../src/index.js';
import type { RabbitMqMessage } from '../src/index.js';
import { Broker, rabbitUrl, uniqueName } from './helpers.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

let broker: Broker;
const queue = uniqueName('trace');
beforeAll(async () => {
  broker = await Broker.connect();
});
afterAll(async () => {
  await broker.deleteTopology(queue);
  await broker.close();
});

it('RabbitMqSender sends the trace context as headers, RabbitMqSource reads it back and describes itself', async () => {
  const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', waitTime: 1_000, logger: silentLogger });
  await source.inspect();
  const sender = new RabbitMqSender({ url: rabbitUrl, queue, traceContext: () => ({ traceparent, tracestate: 'v=1' }) });
  await sender.sendMany(['a']);
  await sender.send('b', { headers: { traceparent: own, tenant: 't' } });
  const received: RabbitMqMessage[] = [];
  while (received.length < 2) received.push(...(await source.get(new AbortController().signal, { maxMessages: 10 })));
  expect(received.map((message) => source.traceContext(message))).toEqual([{ traceparent, tracestate: 'v=1' }, { traceparent: own }]);
  expect(received[1]?.headers.tenant).toBe('t');
  expect(source.describe()).toEqual({ system: 'rabbitmq', destination: queue });
  source.cleanup(received);
  await sender.close();
  await source.close();
});
