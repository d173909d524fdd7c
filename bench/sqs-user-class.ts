// The user's class over SQS (examples/sqs-consumer/orders-queue.ts: get / cleanup / release /
// handler, given to the Consumer as a module) with its CPU-heavy handler (pricing orders), on
// 1 pool thread against 2, on the same SQS-compatible server (fauxqs, in its own process on
// 127.0.0.1). The story's promise: the class's handler uses every core (target: 2 threads >= 1.7x 1).
//
//   node bench/sqs-user-class.ts
//
// Each round drains two queues of the same orders, one with each thread count, in alternating order
// (1 then 2, then 2 then 1...): interleaved pairs, so a disturbance of the shared machine hits both
// sides alike. Printed per side: min / median / max over the rounds of the drain rate once every pool
// thread has handled a parcel (steady throughput: each thread's start-up, which loads the module and
// the AWS SDK with it, is left out; the wall time from start() is printed too), the ratio of the
// medians, and the load average before and after. Knobs: SQS_USER_BENCH_ORDERS (default 1000 per
// queue), SQS_USER_BENCH_WEIGHT (work per order, default 10: a few ms of CPU), SQS_USER_BENCH_ROUNDS
// (default 3, at least 3).
//
// Run with --server, this file is the server process.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { Order } from '../examples/sqs-consumer/orders.ts';
import type { OrderMessage, OrdersQueueOptions } from '../examples/sqs-consumer/orders-queue.ts';

const orders = Number(process.env.SQS_USER_BENCH_ORDERS ?? 1000);
const weight = Number(process.env.SQS_USER_BENCH_WEIGHT ?? 10);
const rounds = Math.max(3, Number(process.env.SQS_USER_BENCH_ROUNDS ?? 3));
const self = fileURLToPath(import.meta.url);
const ordersQueueModule = new URL('../examples/sqs-consumer/orders-queue.ts', import.meta.url);

/** The server process: fauxqs on a free port, until the parent goes away. */
async function serve(): Promise<void> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  process.send?.({ port: server.port });
  process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
}

/** One drain: orders/s once every pool thread was running, seconds from start() to the last order, and the orders counted in the rate. */
interface Drain {
  readonly rate: number;
  readonly wall: number;
  readonly counted: number;
}

/** Min, median and max. */
function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] as number, median: sorted[Math.floor(sorted.length / 2)] as number, max: sorted.at(-1) as number };
}

async function main(): Promise<void> {
  const { CreateQueueCommand, DeleteQueueCommand, SQSClient } = await import('@aws-sdk/client-sqs');
  const { SqsSender } = await import('@conveyor/sqs');
  const serverProcess = fork(self, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    serverProcess.once('message', (message: { port: number }) => resolve(message.port));
    serverProcess.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  const clientConfig: SQSClientConfig = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  const client = new SQSClient(clientConfig);
  const queues: string[] = [];

  async function fill(name: string, count: number): Promise<string> {
    const { QueueUrl = '' } = await client.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}` }));
    queues.push(QueueUrl);
    const batch = Array.from({ length: count }, (_, id): Order => ({ id, weight }));
    await new SqsSender<Order>({ client, queueUrl: QueueUrl, bodyFormat: 'json' }).send(batch);
    return QueueUrl;
  }

  const format = (values: readonly number[]): string => {
    const { min, median, max } = spread(values);
    return `min ${min.toFixed(0)} / median ${median.toFixed(0)} / max ${max.toFixed(0)} orders/s`;
  };
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(', ');

  try {
    const loadBefore = load();
    console.log(
      `SQS user class (examples/sqs-consumer/OrdersQueue as a module, bulkSize 10): ${orders} orders of weight ${weight} per drain, ${rounds} rounds`,
    );
    console.log(`  load average before: ${loadBefore}`);
    // Warm-up (not counted): JIT, the server, sockets.
    await drain(clientConfig, await fill('warm-1', 60), 60, 1);
    await drain(clientConfig, await fill('warm-2', 60), 60, 2);
    const one: Drain[] = [];
    const two: Drain[] = [];
    for (let round = 1; round <= rounds; round++) {
      const queueOne = await fill(`one-${round}`, orders);
      const queueTwo = await fill(`two-${round}`, orders);
      const order = round % 2 === 1 ? ([1, 2] as const) : ([2, 1] as const);
      for (const threads of order) {
        const result = await drain(clientConfig, threads === 1 ? queueOne : queueTwo, orders, threads);
        (threads === 1 ? one : two).push(result);
      }
      const last = (runs: Drain[]): string =>
        `${(runs.at(-1) as Drain).rate.toFixed(0)} orders/s over ${(runs.at(-1) as Drain).counted} (wall ${(runs.at(-1) as Drain).wall.toFixed(2)} s)`;
      console.log(`  round ${round} (${order.join(' then ')} threads): 1 thread ${last(one)}, 2 threads ${last(two)}`);
    }
    const oneRate = spread(one.map((run) => run.rate));
    const twoRate = spread(two.map((run) => run.rate));
    console.log(`  1 pool thread:  ${format(one.map((run) => run.rate))}`);
    console.log(`  2 pool threads: ${format(two.map((run) => run.rate))}`);
    console.log(`  ratio of the medians, 2 threads / 1: ${(twoRate.median / oneRate.median).toFixed(2)}x (target >= 1.7x)`);
    if ([...one, ...two].some((run) => run.counted < orders / 2)) {
      console.log('  (some drains counted under half their orders: their pool threads started late; raise SQS_USER_BENCH_ORDERS)');
    }
    const oneWall = spread(one.map((run) => run.wall)).median;
    const twoWall = spread(two.map((run) => run.wall)).median;
    console.log(
      `  wall time from start(), medians: 1 thread ${oneWall.toFixed(2)} s, 2 threads ${twoWall.toFixed(2)} s (${(oneWall / twoWall).toFixed(2)}x)`,
    );
    console.log(`  load average after: ${load()}`);
    for (const url of queues) await client.send(new DeleteQueueCommand({ QueueUrl: url }));
  } finally {
    client.destroy();
    serverProcess.disconnect();
  }
}

/** Drains `count` orders with OrdersQueue on `threads` pool threads. */
async function drain(clientConfig: SQSClientConfig, queueUrl: string, count: number, threads: number): Promise<Drain> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const options: OrdersQueueOptions = { queueUrl, clientConfig, waitTimeSeconds: 1 };
  const consumer = new Consumer<OrderMessage>(
    { module: ordersQueueModule, export: 'OrdersQueue', options },
    { bulkSize: 10, maxHandlers: threads, logger: silentLogger },
  );
  // Counted from the moment every pool thread has handled a parcel: each thread's start-up
  // (loading the module, and with it the AWS SDK) is left out of the rate, for either side.
  const seen = new Set<number>();
  let consumed = 0;
  let mark: { at: number; consumed: number } | undefined;
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  consumer.useMetrics({
    received: () => {},
    settleError: () => {},
    settled: (sample) => {
      consumed += sample.consumed;
      if (sample.threadId !== undefined) seen.add(sample.threadId);
      if (mark === undefined && seen.size >= threads) mark = { at: performance.now(), consumed };
      if (consumed >= count) done();
    },
  });
  const started = performance.now();
  void consumer.start();
  await drained;
  const ended = performance.now();
  await consumer.shutdown();
  const from = mark ?? { at: started, consumed: 0 };
  return { rate: (count - from.consumed) / ((ended - from.at) / 1000), wall: (ended - started) / 1000, counted: count - from.consumed };
}

if (isMainThread && process.argv[1] === self) {
  if (process.argv[2] === '--server') await serve();
  else await main();
}
