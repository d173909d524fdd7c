import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { RabbitMqSource } from '../src/index.js';
import type { RabbitMqMessage } from '../src/index.js';
import { Broker, rabbitUrl, uniqueName, until } from './helpers.js';

let broker: Broker;
const queues: string[] = [];
beforeAll(async () => {
  broker = await Broker.connect();
});
afterAll(async () => {
  for (const queue of queues) await broker.deleteTopology(queue);
  await broker.close();
});

it('a consumer process SIGKILLed mid-bulk loses nothing: the broker delivers its unacked messages to the next consumer', async () => {
  const queue = uniqueName('sigkill');
  queues.push(queue);
  const declaring = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', logger: silentLogger });
  await declaring.inspect();
  await declaring.close();
  const bodies = Array.from({ length: 50 }, (_, index) => `k-${index}`);
  await broker.send(queue, bodies);

  const child = spawn(process.execPath, [fileURLToPath(new URL('fixtures/consumer-process.ts', import.meta.url))], {
    env: { ...process.env, RABBITMQ_URL: rabbitUrl, QUEUE: queue, HOLD: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await until(() => output.includes('holding'), 20_000, `the child to hold a bulk (output: ${output})`);
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  const [, bulkSize, held] = /holding (\d+) (\d+)/.exec(output) ?? [];
  expect(Number(bulkSize)).toBe(10);
  // It held 50 (its prefetch, sized from its Consumer's room, covers the queue) and acked none.
  expect(Number(held)).toBe(50);

  const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', waitTime: 1_000, logger: silentLogger });
  const received = new Map<string, RabbitMqMessage>();
  const signal = new AbortController().signal;
  await until(
    async () => {
      const bulk = await source.get(signal, { maxMessages: 100 });
      for (const message of bulk) received.set(message.body, message);
      source.cleanup(bulk);
      return received.size === bodies.length;
    },
    15_000,
    'every message received again',
  );
  expect([...received.keys()].sort()).toEqual([...bodies].sort());
  // Delivered again by the broker, flagged so; a crash is not a charged failure.
  expect([...received.values()].every((message) => message.redelivered && message.receiveCount === 1)).toBe(true);
  await until(() => source.inFlight === 0, 5_000, 'every delivery acked');
  await source.close();
  expect(await broker.count(queue)).toBe(0);
});
