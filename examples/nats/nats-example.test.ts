import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { expect, it } from 'vitest';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

it('examples/nats consumes every order on the pool threads, dead-letters the two broken ones, and stops cleanly', async () => {
  const stream = `ORDERS_${randomUUID().slice(0, 8)}`;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./main.ts', import.meta.url))], {
    env: { ...process.env, NATS_URL: servers, STREAM: stream, DEMO_MESSAGES: '120' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  try {
    expect(await exited, output).toBe(0);
  } finally {
    clearTimeout(timer);
    const connection = await connect({ servers });
    const jsm = await jetstreamManager(connection);
    await jsm.streams.delete(stream).catch(() => false);
    await jsm.streams.delete(`${stream}_dead_letters`).catch(() => false);
    await connection.close();
  }
  expect(output).toContain(`demo: 120 orders and 2 broken ones published to ${stream}.new`);
  expect(output).toContain('stopped cleanly: consumed 120 dead letters 2');
});
