// Benchmark of the SQS source (@conveyor/sqs) against sqs-consumer, on the same
// SQS-compatible server (fauxqs, in its own process on 127.0.0.1) in the same run:
//
// 1. Drain: N messages already in a queue, drained by SqsSource + Consumer (trivial
//    handler on the pool threads, several pollers) and by sqs-consumer as its users scale it:
//    several instances in the process (it has no concurrency option), each batch mode with
//    batchSize 10. Instance counts: 1, 4 and as many as Conveyor has receives in flight
//    (pollers x bulk / 10). Rounds are interleaved (Conveyor, then each peer configuration);
//    each line prints min / median / max of the rates, of the round-by-round ratios, and the
//    consumer process's CPU per message (all threads, fill excluded), with the load average.
// 2. CPU-heavy scaling: SqsSource + Consumer with a handler that burns CPU, on one
//    pool thread and on every core.
//
//   node bench/sqs-throughput.ts                              # 20,000 messages per drain, 3 rounds
//   SQS_BENCH_RTT_MS=20 node bench/sqs-throughput.ts          # with a cloud-like 20 ms round trip
//   SQS_BENCH_MESSAGES=5000 node bench/sqs-throughput.ts      # a quicker look
//
// SQS_BENCH_RTT_MS (default 0) adds that much round-trip latency between clients and server
// (a delaying TCP proxy). Other knobs: SQS_BENCH_ROUNDS (default 3), SQS_BENCH_POLLERS
// (Consumer pollers, default 4), SQS_BENCH_BULK (Consumer bulkSize and SqsSource maxMessages,
// default 30: three receives at once per get()), SQS_BENCH_PEERS (instance counts of
// sqs-consumer, default "1,4,<receives in flight>"), SQS_BENCH_CPU_MESSAGES (default 200),
// SQS_BENCH_CPU_ITERATIONS (work per CPU-heavy message, default 10,000,000, about 10 ms).
//
// This file is also the pool threads' handler module (its default export) and, run with
// --server, the server process.
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { Bulk } from '@conveyor/core';
import type { SqsMessage } from '@conveyor/sqs';
import { spread } from './spread.ts';

const messages = Number(process.env.SQS_BENCH_MESSAGES ?? 20_000);
const rounds = Number(process.env.SQS_BENCH_ROUNDS ?? 3);
const pollers = Number(process.env.SQS_BENCH_POLLERS ?? 4);
const bulkSize = Number(process.env.SQS_BENCH_BULK ?? 30);
const cpuMessages = Number(process.env.SQS_BENCH_CPU_MESSAGES ?? 200);
const cpuIterations = Number(process.env.SQS_BENCH_CPU_ITERATIONS ?? 10_000_000);
const rttMs = Number(process.env.SQS_BENCH_RTT_MS ?? 0);
const cores = availableParallelism();
const receivesInFlight = pollers * Math.ceil(bulkSize / 10);
const peerCounts = (process.env.SQS_BENCH_PEERS ?? `1,4,${receivesInFlight}`)
  .split(',')
  .map(Number)
  .filter((count, index, all) => count > 0 && all.indexOf(count) === index);
const self = fileURLToPath(import.meta.url);
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** Pure-JavaScript work that scales with threads: an integer LCG loop. */
function burn(iterations: number, seed: number): number {
  let x = seed | 0;
  for (let index = 0; index < iterations; index++) x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
  return x;
}

/** The pool threads' handler: nothing for drain messages, CPU work for "cpu:<iterations>" ones. */
export default function benchHandler(bulk: Bulk<SqsMessage>): void {
  for (const message of bulk) {
    if (message.body.startsWith('cpu:')) burn(Number(message.body.slice(4)), message.body.length);
  }
}

/** The server process: fauxqs on a free port (behind a delaying proxy with SQS_BENCH_RTT_MS), until the parent goes away. */
async function serve(): Promise<void> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  const port = rttMs > 0 ? await delayingProxy(server.port, rttMs / 2) : server.port;
  process.send?.({ port });
  process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
}

/** A TCP proxy to `targetPort` that holds every chunk `delayMs` in each direction. */
async function delayingProxy(targetPort: number, delayMs: number): Promise<number> {
  const { createConnection, createServer } = await import('node:net');
  const relay = (from: import('node:net').Socket, to: import('node:net').Socket): void => {
    from.on('data', (chunk) => void setTimeout(() => to.destroyed || to.write(chunk), delayMs));
    from.on('close', () => void setTimeout(() => to.destroy(), delayMs));
    from.on('error', () => to.destroy());
  };
  const proxy = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return (proxy.address() as import('node:net').AddressInfo).port;
}

async function main(): Promise<void> {
  const { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand, SQSClient } = await import('@aws-sdk/client-sqs');
  const serverProcess = fork(self, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    serverProcess.once('message', (message: { port: number }) => resolve(message.port));
    serverProcess.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = { endpoint, region: 'us-east-1', credentials };
  const client = new SQSClient(clientConfig);

  async function fill(name: string, bodies: (index: number) => string, count: number): Promise<string> {
    const { QueueUrl = '' } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < count) {
        const start = next;
        next += 10;
        const entries = Array.from({ length: Math.min(10, count - start) }, (_, offset) => ({
          Id: String(offset),
          MessageBody: bodies(start + offset),
        }));
        await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    return QueueUrl;
  }

  const queues: string[] = [];
  try {
    console.log(
      `SQS drain: ${messages} messages per run on fauxqs (own process, 127.0.0.1${rttMs > 0 ? `, ${rttMs} ms round trip` : ''}), ${cores} cores`,
    );
    const drainBody = (index: number): string =>
      JSON.stringify({ id: index, kind: 'bench', payload: 'abcdefghijklmnopqrstuvwxyz0123456789' });
    // Warm-up (not counted): JIT, pool threads, sockets.
    const warmOurs = await fill(`bench-warm-conveyor-${Date.now()}`, drainBody, 1000);
    const warmPeer = await fill(`bench-warm-sqs-consumer-${Date.now()}`, drainBody, 1000);
    queues.push(warmOurs, warmPeer);
    await drainWithConveyor(clientConfig, warmOurs, 1000, cores, bulkSize);
    await drainWithSqsConsumer(clientConfig, warmPeer, 1000, 1);
    const ours: Drain[] = [];
    const peers = new Map<number, Drain[]>(peerCounts.map((count) => [count, []]));
    for (let round = 1; round <= rounds; round++) {
      const conveyorQueue = await fill(`bench-conveyor-${round}-${Date.now()}`, drainBody, messages);
      queues.push(conveyorQueue);
      ours.push(await drainWithConveyor(clientConfig, conveyorQueue, messages, cores, bulkSize));
      for (const count of peerCounts) {
        const peerQueue = await fill(`bench-sqs-consumer-${count}-${round}-${Date.now()}`, drainBody, messages);
        queues.push(peerQueue);
        peers.get(count)?.push(await drainWithSqsConsumer(clientConfig, peerQueue, messages, count));
      }
      console.log(`  round ${round} done; load ${load()}`);
    }
    const rates = (drains: Drain[]): string =>
      spread(
        drains.map((drain) => messages / drain.seconds),
        (value) => value.toFixed(0),
      );
    const cpu = (drains: Drain[]): string =>
      spread(
        drains.map((drain) => drain.cpuMicros / messages),
        (value) => value.toFixed(0),
      );
    console.log(
      'side | msg/s (min/median/max) | CPU µs per message | Conveyor speed / side speed, by round | Conveyor CPU / side CPU, by round',
    );
    console.log(`Conveyor (${pollers} pollers, bulks of ${bulkSize}, ${cores} pool threads) | ${rates(ours)} | ${cpu(ours)} | | `);
    for (const [count, drains] of peers) {
      const speed = spread(
        drains.map((drain, index) => drain.seconds / (ours[index] as Drain).seconds),
        (value) => value.toFixed(2),
      );
      const cpuRatio = spread(
        drains.map((drain, index) => (ours[index] as Drain).cpuMicros / drain.cpuMicros),
        (value) => value.toFixed(2),
      );
      console.log(`sqs-consumer x${count} (batchSize 10) | ${rates(drains)} | ${cpu(drains)} | ${speed} | ${cpuRatio}`);
    }

    // SQS_BENCH_CPU_MESSAGES=0 skips the CPU-heavy part (a drain of nothing would wait for ever).
    if (cpuMessages > 0) {
      console.log(`CPU-heavy: ${cpuMessages} messages of ${cpuIterations} iterations each`);
      const cpuBody = (): string => `cpu:${cpuIterations}`;
      const oneQueue = await fill(`bench-cpu-one-${Date.now()}`, cpuBody, cpuMessages);
      const allQueue = await fill(`bench-cpu-all-${Date.now()}`, cpuBody, cpuMessages);
      queues.push(oneQueue, allQueue);
      const one = (await drainWithConveyor(clientConfig, oneQueue, cpuMessages, 1, 10)).seconds;
      const all = (await drainWithConveyor(clientConfig, allQueue, cpuMessages, cores, 10)).seconds;
      console.log(
        `  1 thread: ${(cpuMessages / one).toFixed(0)} msg/s | ${cores} threads: ${(cpuMessages / all).toFixed(0)} msg/s | speed-up ${(one / all).toFixed(2)}x`,
      );
    }
    for (const url of queues) await client.send(new DeleteQueueCommand({ QueueUrl: url }));
  } finally {
    client.destroy();
    serverProcess.disconnect();
  }
}

/** One drain: its wall time and the CPU this process spent on it (main thread and pool threads). */
interface Drain {
  readonly seconds: number;
  readonly cpuMicros: number;
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** Starts `drain` and times it, once started, in wall seconds and in process CPU (user + system, every thread). */
async function measure(drain: (done: () => void) => Promise<() => unknown> | (() => unknown)): Promise<Drain> {
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  // Timed from a started consumer: the steady state a long-running consumer lives in. Conveyor's
  // start() spawns and warms its pool threads (tens of ms of CPU), and its pollers begin only
  // when start() resolves, so nothing is consumed outside the window on either side.
  const stop = await drain(done);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await drained;
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = process.cpuUsage(cpuBefore);
  await stop();
  return { seconds, cpuMicros: cpuUsed.user + cpuUsed.system };
}

/** SqsSource + Consumer consuming and deleting `count` messages. */
async function drainWithConveyor(clientConfig: object, queueUrl: string, count: number, threads: number, bulk: number): Promise<Drain> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const { SqsSource } = await import('@conveyor/sqs');
  return measure(async (done) => {
    let deleted = 0;
    // Counts deletes as they complete, so the clock stops when the queue is really empty.
    class CountingSource extends SqsSource {
      override async cleanup(consumed: SqsMessage[]): Promise<void> {
        await super.cleanup(consumed);
        deleted += consumed.length;
        if (deleted >= count) done();
      }
    }
    const source = new CountingSource({ clientConfig, queueUrl, waitTimeSeconds: 1, maxMessages: bulk, logger: silentLogger });
    const consumer = new Consumer(source, {
      handlerModule: new URL(import.meta.url),
      maxHandlers: threads,
      maxPollers: pollers,
      bulkSize: bulk,
      logger: silentLogger,
    });
    await consumer.start();
    return () => consumer.shutdown();
  });
}

/** `instances` sqs-consumer instances (each with its own client, as separate deployments) consuming and deleting `count` messages. */
async function drainWithSqsConsumer(clientConfig: object, queueUrl: string, count: number, instances: number): Promise<Drain> {
  const { Consumer } = await import('sqs-consumer');
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return measure((done) => {
    let deleted = 0;
    const consumers = Array.from({ length: instances }, () => {
      const client = new SQSClient(clientConfig);
      const consumer = Consumer.create({
        queueUrl,
        sqs: client,
        batchSize: 10,
        waitTimeSeconds: 1,
        handleMessageBatch: (batch) => Promise.resolve(batch),
      });
      consumer.on('message_processed', () => {
        if (++deleted >= count) done();
      });
      consumer.on('error', (error) => console.error(`sqs-consumer: ${error.message}`));
      return { consumer, client };
    });
    for (const { consumer } of consumers) consumer.start();
    return () => {
      for (const { consumer, client } of consumers) {
        consumer.stop();
        client.destroy();
      }
    };
  });
}

if (isMainThread && process.argv[1] === self) {
  if (process.argv[2] === '--server') await serve();
  else await main();
}
