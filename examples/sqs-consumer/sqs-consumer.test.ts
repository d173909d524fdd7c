import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { uniqueName, until, useSqsEmulator } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import { SqsSender } from '@conveyor/sqs';
import type { Order } from './orders.ts';
import type { OrderMessage, OrdersQueueOptions } from './orders-queue.ts';
import { watchPricing } from './pricing-report.ts';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

/** A new queue holding `count` orders (ids 0..count-1). */
async function queueOfOrders(count: number): Promise<string> {
  const { QueueUrl: url = '' } = await emulator.server.client.send(new CreateQueueCommand({ QueueName: uniqueName('orders') }));
  cleanups.push(async () => void (await emulator.server.client.send(new DeleteQueueCommand({ QueueUrl: url }))));
  const orders = Array.from({ length: count }, (_, id): Order => ({ id, weight: 2 }));
  await new SqsSender<Order>({ client: emulator.server.client, queueUrl: url, bodyFormat: 'json' }).send(orders);
  return url;
}

async function depth(url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await emulator.server.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

const ids = (count: number): number[] => Array.from({ length: count }, (_, id) => id);

describe('OrdersQueue, given to the Consumer as a module', () => {
  it.each([
    ['awaiting start()', true],
    ['start() not awaited, then supervise({ blocking: true })', false],
  ])('prices every order exactly once, on pool threads, never the main thread (%s)', async (_how, awaitStart) => {
    const orders = 40;
    const url = await queueOfOrders(orders);
    const pricing = watchPricing();
    cleanups.push(() => Promise.resolve(pricing.close()));
    const options: OrdersQueueOptions = { queueUrl: url, clientConfig: emulator.server.clientConfig, waitTimeSeconds: 1 };
    const consumer = new Consumer<OrderMessage>(
      { module: new URL('./orders-queue.ts', import.meta.url), export: 'OrdersQueue', options },
      { bulkSize: 10, maxHandlers: 2, logger: silentLogger },
    );
    const consumed: string[] = [];
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.id)));
    let supervised: Promise<void> | undefined;
    if (awaitStart) {
      await consumer.start();
    } else {
      void consumer.start();
      supervised = consumer.supervise({ blocking: true });
    }
    try {
      await until(() => consumed.length >= orders && pricing.orderIds.length >= orders, 30_000, 'every order consumed and reported');
    } finally {
      await consumer.shutdown();
      await supervised;
    }

    const threads = [...pricing.byThread.keys()];
    expect(threads.length).toBeGreaterThan(0);
    expect(threads).not.toContain(threadId); // the test's own thread, where the consumer and its pollers run
    expect(threads.every((id) => id > 0)).toBe(true);
    expect([...pricing.orderIds].sort((a, b) => a - b)).toEqual(ids(orders)); // each priced once
    expect(consumed).toHaveLength(orders);
    expect(new Set(consumed).size).toBe(orders); // each message deleted once
    expect(consumer.stats).toMatchObject({ state: 'stopped', consumed: orders, failed: 0 });
    expect(await depth(url)).toEqual({ visible: 0, inFlight: 0 });
  });
});

/** Runs main.ts; resolves with its exit code and output. `stop` decides when to SIGTERM it (never: it exits on its own). */
async function runMain(
  env: Record<string, string>,
  stop?: (output: string) => Promise<boolean>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./main.ts', import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    if (stop !== undefined) {
      await until(() => stop(output), 40_000, 'main.ts to finish its work');
      child.kill('SIGTERM');
    }
    const code = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`main.ts did not exit; output:\n${output}`)), 60_000)),
    ]);
    return { code, output };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('examples/sqs-consumer/main.ts', () => {
  it('demo: starts its own server, seeds orders, prices them on the pool threads and exits when the queue is drained', async () => {
    const { code, output } = await runMain({ DEMO_MESSAGES: '60', SQS_ENDPOINT: '', QUEUE_URL: '', SOURCE: '' });
    expect(code, output).toBe(0);
    expect(output).toContain('with OrdersQueue on');
    expect(output).toMatch(/priced 60 orders; by thread: #[1-9]/);
    expect(output).toContain('(the main thread is #0)');
    expect(output).toContain('stopped cleanly: consumed 60 failed 0');
  });

  it('SOURCE=builtin: SqsSource on a given endpoint and queue, until SIGTERM', async () => {
    const url = await queueOfOrders(60);
    const { code, output } = await runMain(
      { SQS_ENDPOINT: emulator.server.endpoint, QUEUE_URL: url, SOURCE: 'builtin' },
      async (output) => output.includes('consuming') && (await depth(url)).visible + (await depth(url)).inFlight === 0,
    );
    expect(code, output).toBe(0);
    expect(output).toContain('with SqsSource on');
    expect(output).toMatch(/priced 60 orders; by thread: #[1-9]/);
    expect(output).toContain('stopped cleanly: consumed 60 failed 0');
  });
});
