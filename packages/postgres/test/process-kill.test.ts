import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import type { PostgresMessage } from '../src/index.js';
import { databaseUrl, never, openQueue, until } from './helpers.js';

it('a consumer process SIGKILLed mid-bulk loses nothing: its rows come back after their visibility deadline', async () => {
  const queue = await openQueue({ bodyFormat: 'text' });
  const bodies = Array.from({ length: 30 }, (_, index) => `row-${index}`);
  await queue.sender<string>({ bodyFormat: 'text' }).sendBodies(bodies);

  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/consumer-process.ts', import.meta.url))], {
    env: { ...process.env, DATABASE_URL: databaseUrl, QUEUE_SCHEMA: queue.schema },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await until(() => output.includes('holding'), 20_000, `the child to hold a bulk (output: ${output})`);
    // Longer than its visibility timeout: the child's lease keeper renews what it holds.
    await new Promise((resolve) => setTimeout(resolve, 1_800));
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  const held = (await queue.rows()).filter((row) => row.deliveries === 1);
  const deadlines = await queue.pool.query<{ id: string; at: number }>(
    `SELECT id, (extract(epoch FROM locked_until) * 1000)::float8 AS at FROM "${queue.schema}".jobs WHERE locked_until IS NOT NULL`,
  );
  const lapsesAt = new Map(deadlines.rows.map((row) => [row.id, row.at]));
  expect(held.length).toBeGreaterThanOrEqual(10);
  const depth = await queue.source({ logger: silentLogger }).inspect();
  expect(depth.inFlight).toBe(held.length);

  // A new consumer drains the table: the dead one's rows once their deadline passes.
  const source = queue.source<string>({ bodyFormat: 'text', waitTime: 100, pollInterval: 50, logger: silentLogger });
  const received = new Map<string, PostgresMessage<string>>();
  const receivedAt = new Map<string, number>();
  await until(
    async () => {
      const bulk = await source.get(never, { maxMessages: 50 });
      for (const message of bulk) {
        receivedAt.set(message.id, Date.now());
        received.set(message.body, message);
      }
      await source.cleanup(bulk);
      return received.size === bodies.length;
    },
    20_000,
    'every row to be received',
  );
  expect([...received.keys()].sort()).toEqual([...bodies].sort());
  // The held rows came back on their second (counted) delivery, not before the last deadline the dead lease keeper set.
  expect([...received.values()].filter((message) => message.receiveCount === 2)).toHaveLength(held.length);
  for (const row of held) expect(receivedAt.get(row.id)).toBeGreaterThanOrEqual((lapsesAt.get(row.id) ?? Infinity) - 20);
  expect(await queue.rows()).toEqual([]);
});
