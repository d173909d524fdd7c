import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { afterAll, expect, it } from 'vitest';
import { RabbitMqSender } from '@conveyor/rabbitmq';

const url = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const queues: string[] = [];

afterAll(async () => {
  const model = await amqp.connect(url);
  const channel = await model.createChannel();
  for (const queue of queues) {
    for (const name of [queue, `${queue}.dead`]) await channel.deleteQueue(name);
    await channel.deleteExchange(`${queue}.dead-letter`);
  }
  await model.close();
});

function start(queue: string, demo: number): { output: () => string; exited: Promise<number | null>; kill: () => void } {
  queues.push(queue);
  const child = spawn(process.execPath, [main], { env: { ...process.env, RABBITMQ_URL: url, QUEUE: queue, DEMO_MESSAGES: String(demo) } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output: () => output, exited, kill: () => child.kill('SIGTERM') };
}

async function until(check: () => boolean, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('the demo consumes every good order on the pool threads, dead-letters the bad ones after 3 tries, and exits 0', async () => {
  const run = start(`conveyor-example-${Date.now()}`, 200);
  expect(await run.exited).toBe(0);
  expect(run.output()).toContain('stopped cleanly: consumed 198 dead letters 2');
  expect(run.output()).toMatch(
    /dead letter: order-42 after 3 failures \(max-receive-count: .*RangeError: Order 42 has a negative weight\)/,
  );
});

it('without a demo, it consumes what is sent until SIGTERM, then stops cleanly', async () => {
  const queue = `conveyor-example-${Date.now()}-sigterm`;
  const run = start(queue, 0);
  await until(() => run.output().includes('consuming'), 'the consumer to start', run.output);
  const sender = new RabbitMqSender({ url, queue });
  for (let id = 0; id < 30; id++) await sender.send({ id, customer: `c${id % 3}`, weight: 1 }, { headers: { customer: `c${id % 3}` } });
  await sender.close();
  await until(() => run.output().includes('consumed 30 '), 'every order consumed', run.output);
  run.kill();
  expect(await run.exited).toBe(0);
  expect(run.output()).toContain('stopped cleanly: consumed 30 dead letters 0');
});
