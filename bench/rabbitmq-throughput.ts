// Benchmark of the RabbitMQ source (@conveyor/rabbitmq) against amqplib's own consumer as its
// users write it (`channel.prefetch(n)`, `channel.consume()`, one `channel.ack()` per message,
// the work done in the callback on the one event loop), on the same broker, in the same run.
//
// Two workloads, each drained from a full queue of its own, timed from the first delivery to
// the last ack (connecting, declaring and starting pool threads are left out on both sides):
// - trivial: parse the JSON body, nothing else;
// - CPU-heavy: about 0.2 ms of SHA-256 per message (calibrated at start; bench/cpu-work.ts says why not a JS loop).
// Conveyor runs RabbitMqSource + Consumer with the handler on 2 pool threads; amqplib runs the
// work in its consume callback. Rounds interleave the two (alternating which goes first);
// each prints messages/s, then min / median / max of the rounds and the ratio of the medians.
// The load average is printed before and after: the machine is shared.
//
//   node bench/rabbitmq-throughput.ts                                   # 3 rounds of 50,000 trivial and 10,000 CPU-heavy messages
//   RABBITMQ_BENCH_MESSAGES=5000 RABBITMQ_BENCH_CPU_MESSAGES=1000 node bench/rabbitmq-throughput.ts   # a quick look
//
// Knobs: RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672), RABBITMQ_BENCH_ROUNDS (3),
// RABBITMQ_BENCH_PREFETCH (1024: amqplib's prefetch, and Conveyor's maxInFlight, from which its
// prefetch is sized), RABBITMQ_BENCH_BULK (Conveyor's bulkSize, 64), RABBITMQ_BENCH_QUEUE_TYPE
// (classic | quorum, default classic), RABBITMQ_BENCH_CPU_MS (0.2).
//
// This file is also the pool threads' handler module (its default export).
import { loadavg } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Bulk } from '@conveyor/core';
import type { RabbitMqMessage } from '@conveyor/rabbitmq';
import { burn, calibrate } from './cpu-work.ts';

interface BenchBody {
  readonly id: number;
  /** Iterations of CPU work (0 for the trivial workload). */
  readonly burn: number;
  readonly payload: string;
}

const url = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const messages = Number(process.env.RABBITMQ_BENCH_MESSAGES ?? 50_000);
const cpuMessages = Number(process.env.RABBITMQ_BENCH_CPU_MESSAGES ?? 10_000);
const rounds = Math.max(1, Number(process.env.RABBITMQ_BENCH_ROUNDS ?? 3));
const prefetch = Number(process.env.RABBITMQ_BENCH_PREFETCH ?? 1024);
const bulkSize = Number(process.env.RABBITMQ_BENCH_BULK ?? 64);
const queueType = process.env.RABBITMQ_BENCH_QUEUE_TYPE === 'quorum' ? 'quorum' : 'classic';
const cpuMs = Number(process.env.RABBITMQ_BENCH_CPU_MS ?? 0.2);
const threads = 2;
const self = fileURLToPath(import.meta.url);

/** The work of one message, the same on both sides. */
function work(body: BenchBody): number {
  return body.burn > 0 ? burn(body.burn, body.id) : body.id;
}

/** The pool threads' handler. */
export default function benchHandler(bulk: Bulk<RabbitMqMessage<BenchBody>>): void {
  let sum = 0;
  for (const message of bulk) sum += work(message.body);
  if (sum === 0.5) console.log(sum); // keeps the work from being optimised away
}

async function main(): Promise<void> {
  const amqp = (await import('amqplib')).default;
  const admin = await amqp.connect(url);
  const channel = await admin.createConfirmChannel();
  let queueNumber = 0;

  async function fill(count: number, iterations: number): Promise<string> {
    const queue = `conveyor-bench-${process.pid}-${++queueNumber}`;
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });
    const payload = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (let start = 0; start < count; start += 1000) {
      for (let id = start; id < Math.min(count, start + 1000); id++) {
        const body: BenchBody = { id, burn: iterations, payload };
        channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { persistent: true, messageId: String(id) });
      }
      await channel.waitForConfirms();
    }
    return queue;
  }

  async function dispose(queue: string): Promise<void> {
    const { messageCount } = await channel.checkQueue(queue);
    if (messageCount !== 0) throw new Error(`${queue} still has ${messageCount} messages: a drain lost acks`);
    await channel.deleteQueue(queue);
    // RabbitMqSource declares its dead letters too.
    await channel.deleteQueue(`${queue}.dead`);
    await channel.deleteExchange(`${queue}.dead-letter`);
  }

  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  const iterations = calibrate(cpuMs);
  console.log(`RabbitMQ drain on ${url.replace(/:[^:@/]*@/, ':***@')}, ${queueType} queues, persistent messages; load average ${load()}`);
  console.log(
    `Conveyor: RabbitMqSource + Consumer, ${threads} pool threads, bulkSize ${bulkSize}, maxInFlight ${prefetch} | amqplib: prefetch ${prefetch}, consume callback, ack per message`,
  );

  for (const workload of [
    { name: 'trivial handler', count: messages, iterations: 0 },
    { name: `CPU-heavy handler (~${cpuMs} ms of CPU a message, ${iterations} bytes of SHA-256)`, count: cpuMessages, iterations },
  ]) {
    console.log(`\n${workload.name}: ${workload.count} messages per drain, ${rounds} rounds`);
    // Warm-up (not counted): JIT, pool threads, connections.
    const warmCount = Math.min(2_000, workload.count);
    for (const drain of [drainWithConveyor, drainWithAmqplib]) {
      const queue = await fill(warmCount, workload.iterations);
      await drain(queue, warmCount);
      await dispose(queue);
    }
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['conveyor', 'amqplib'] as const) : (['amqplib', 'conveyor'] as const);
      for (const side of order) {
        const queue = await fill(workload.count, workload.iterations);
        const seconds =
          side === 'conveyor' ? await drainWithConveyor(queue, workload.count) : await drainWithAmqplib(queue, workload.count);
        (side === 'conveyor' ? ours : theirs).push(workload.count / seconds);
        await dispose(queue);
      }
      console.log(
        `  round ${round}: Conveyor ${rate(ours.at(-1) as number)} msg/s, amqplib ${rate(theirs.at(-1) as number)} msg/s (load ${load()})`,
      );
    }
    console.log(
      `  Conveyor (${threads} pool threads): min ${rate(Math.min(...ours))}  median ${rate(median(ours))}  max ${rate(Math.max(...ours))} msg/s`,
    );
    console.log(
      `  amqplib (one loop):          min ${rate(Math.min(...theirs))}  median ${rate(median(theirs))}  max ${rate(Math.max(...theirs))} msg/s`,
    );
    console.log(`  ratio of medians Conveyor / amqplib: ${(median(ours) / median(theirs)).toFixed(2)}x`);
  }
  console.log(`\nload average at the end: ${load()}`);
  await admin.close();
}

/** Seconds RabbitMqSource + Consumer take to consume and ack `count` messages. */
async function drainWithConveyor(queue: string, count: number): Promise<number> {
  const { Consumer, silentLogger } = await import('@conveyor/core');
  const { RabbitMqSource } = await import('@conveyor/rabbitmq');
  let acked = 0;
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  // Counts acks as they are sent, so the clock stops when the last one is.
  class CountingSource extends RabbitMqSource<BenchBody> {
    override cleanup(consumed: RabbitMqMessage<BenchBody>[]): void {
      super.cleanup(consumed);
      acked += consumed.length;
      if (acked >= count) done();
    }
  }
  const source = new CountingSource({ url, queue, queueType, bodyFormat: 'json', logger: silentLogger });
  const consumer = new Consumer(source, {
    handlerModule: new URL(import.meta.url),
    maxHandlers: threads,
    maxPollers: 2,
    bulkSize,
    maxInFlight: prefetch,
    logger: silentLogger,
  });
  // The clock starts at the first delivery on both sides: connecting, declaring and starting
  // the pool are not the drain.
  let started = 0;
  consumer.once('received', () => (started = performance.now()));
  await consumer.start();
  await drained;
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  return seconds;
}

/** Seconds amqplib's consume loop takes to consume and ack `count` messages, written as its users write it. */
async function drainWithAmqplib(queue: string, count: number): Promise<number> {
  const amqp = (await import('amqplib')).default;
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  let acked = 0;
  let done!: () => void;
  const drained = new Promise<void>((resolve) => (done = resolve));
  let sum = 0;
  let started = 0;
  await channel.prefetch(prefetch);
  await channel.consume(queue, (message) => {
    if (message === null) return;
    if (started === 0) started = performance.now();
    sum += work(JSON.parse(message.content.toString()) as BenchBody);
    channel.ack(message);
    if (++acked >= count) done();
  });
  await drained;
  const seconds = (performance.now() - started) / 1000;
  if (sum === 0.5) console.log(sum);
  await channel.close();
  await connection.close();
  return seconds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function rate(perSecond: number): string {
  return perSecond.toFixed(0).padStart(7);
}

if (isMainThread && process.argv[1] === self) await main();
