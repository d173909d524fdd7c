import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, consumerInfo, deleteStreams, natsUrl, uniqueName, until } from './helpers.js';

it('a consumer process SIGKILLed mid-bulk loses nothing: a new consumer drains every message, the held ones redelivered', async () => {
  const connection = await connectNats();
  const stream = uniqueName('crash');
  const setup = new NatsSource({ connection, stream, consumer: 'workers', ackWait: 1000, logger: silentLogger });
  await setup.bind();
  const bodies = Array.from({ length: 30 }, (_, index) => `p${index}`);
  const sender = new NatsSender({ connection, subject: `${stream}.jobs` });
  await sender.sendBatch(bodies);

  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/consumer-process.ts', import.meta.url))], {
    env: { ...process.env, NATS_URL: natsUrl, STREAM: stream },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await until(() => output.includes('holding'), 20_000, `the child to hold a bulk (output: ${output})`);
  } finally {
    process.kill(child.pid as number, 'SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  const heldAtKill = (await consumerInfo(connection, stream, 'workers')).num_ack_pending;
  expect(heldAtKill).toBeGreaterThan(0);

  const source = new NatsSource<string>({ connection, stream, consumer: 'workers', ackWait: 1000, maxWait: 1000, logger: silentLogger });
  const received = new Map<string, NatsMessage>();
  const never = new AbortController().signal;
  await until(
    async () => {
      const bulk = await source.get(never, { maxMessages: 50 });
      for (const message of bulk) received.set(message.body, message);
      await source.cleanup(bulk);
      return received.size === bodies.length;
    },
    20_000,
    'every message to be received',
  );
  expect([...received.keys()].sort()).toEqual([...bodies].sort());
  // What the dead process held came back after its ack_wait, counted as a second delivery.
  expect([...received.values()].filter((message) => message.receiveCount === 2)).toHaveLength(heldAtKill);
  await until(async () => (await consumerInfo(connection, stream, 'workers')).num_ack_pending === 0, 5000, 'every ack to land');
  await source.close();
  await setup.close();
  await deleteStreams(connection, stream, setup.options.deadLetter.stream);
  await connection.close();
});
