// Benchmark of the JetStream source (@conveyor/nats) against the consumer nats.js users
// write: `for await (const m of await consumer.consume()) { handle(m); m.ack(); }`, on the
// same NATS server, in the same run, in interleaved pairs:
//
// - trivial: the handler does nothing;
// - CPU-heavy: about 0.2 ms of SHA-256 per message (calibrated at start; bench/cpu-work.ts says why not a JS loop).
//
// Conveyor runs NatsSource + Consumer with its handler on 2 pool threads; nats.js runs its
// single loop. Each pair drains two fresh streams of the same messages (which side goes
// first alternates by round); the time runs until every message is acknowledged (the acks
// flushed to the server; Conveyor from a started consumer). Prints min / median / max msg/s of each side, the ratio of the
// medians, and the load average before and after (other work on the machine skews it).
//
//   node bench/nats-throughput.ts                                    # 20,000 messages, 3 rounds
//   NATS_BENCH_MESSAGES=2000 NATS_BENCH_ROUNDS=3 node bench/nats-throughput.ts   # a quick look
//
// Knobs: NATS_URL (default nats://127.0.0.1:4222), NATS_BENCH_MESSAGES, NATS_BENCH_CPU_MESSAGES
// (default a quarter of the messages), NATS_BENCH_ROUNDS (>= 3), NATS_BENCH_CPU_MS (default 0.2).
//
// This file is also the pool threads' handler module (its default export).
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Bulk } from '@conveyor/core';
import type { NatsMessage } from '@conveyor/nats';
import { burn, calibrate } from './cpu-work.ts';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const messages = Number(process.env.NATS_BENCH_MESSAGES ?? 20_000);
const cpuMessages = Number(process.env.NATS_BENCH_CPU_MESSAGES ?? Math.round(messages / 4));
const rounds = Math.max(3, Number(process.env.NATS_BENCH_ROUNDS ?? 3));
const cpuMs = Number(process.env.NATS_BENCH_CPU_MS ?? 0.2);
const threads = 2;

/** The one handler of both sides: nothing for "t" bodies, `burn(n)` bytes hashed for "cpu:<n>" ones. */
function handle(body: string): void {
  if (body.startsWith('cpu:')) burn(Number(body.slice(4)), body.length);
}

/** The pool threads' handler. */
export default function benchHandler(bulk: Bulk<NatsMessage>): void {
  for (const message of bulk) handle(message.body);
}

type Side = 'conveyor' | 'nats.js';
interface Case {
  readonly name: string;
  readonly count: number;
  readonly body: string;
}

async function main(): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager, AckPolicy, RetentionPolicy } = await import('@nats-io/jetstream');
  const connection = await connect({ servers });
  const js = jetstream(connection);
  const jsm = await jetstreamManager(connection);
  const bytes = calibrate(cpuMs);
  const cases: Case[] = [
    { name: 'trivial handler', count: messages, body: 't' },
    { name: `CPU-heavy handler (~${cpuMs} ms, ${bytes} bytes of SHA-256)`, count: cpuMessages, body: `cpu:${bytes}` },
  ];
  const load = loadavg().map((value) => value.toFixed(2));
  console.log(`NATS JetStream at ${servers}; ${rounds} rounds of interleaved pairs; load average before: ${load.join(' ')}`);

  /** A fresh work-queue stream holding `count` copies of `body`, and its durable pull consumer. */
  async function fill(count: number, body: string): Promise<string> {
    const stream = `bench_${randomUUID().slice(0, 8)}`;
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Workqueue });
    await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit, ack_wait: 30e9, max_ack_pending: 1000 });
    const data = new TextEncoder().encode(body);
    for (let start = 0; start < count; start += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, count - start) }, () => js.publish(`${stream}.work`, data)));
    }
    return stream;
  }

  /** Seconds Conveyor takes to consume and ack every message of `stream`. */
  async function drainWithConveyor(stream: string, count: number): Promise<number> {
    const { Consumer, silentLogger } = await import('@conveyor/core');
    const { NatsSource } = await import('@conveyor/nats');
    let acked = 0;
    let done!: () => void;
    const drained = new Promise<void>((resolve) => (done = resolve));
    // Counts acks once cleanup (acks + one flush) resolves, so the clock stops when the server has them all.
    class CountingSource extends NatsSource {
      override async cleanup(consumed: NatsMessage[]): Promise<void> {
        await super.cleanup(consumed);
        acked += consumed.length;
        if (acked >= count) done();
      }
    }
    const source = new CountingSource({ connection, stream, consumer: 'bench', maxMessages: 500, logger: silentLogger });
    await source.bind();
    const consumer = new Consumer(source, {
      handlerModule: new URL(import.meta.url),
      maxHandlers: threads,
      maxPollers: 2,
      bulkSize: 50,
      logger: silentLogger,
    });
    // Timed from a started consumer (its pool threads warm), as the other benchmarks do.
    await consumer.start();
    const started = performance.now();
    await drained;
    const seconds = (performance.now() - started) / 1000;
    await consumer.shutdown();
    return seconds;
  }

  /** Seconds the usual nats.js consumer takes: consume(), handle, ack each message; then one flush. */
  async function drainWithNatsJs(stream: string, count: number): Promise<number> {
    const started = performance.now();
    const consumer = await js.consumers.get(stream, 'bench');
    const iterator = await consumer.consume();
    let handled = 0;
    for await (const message of iterator) {
      handle(message.string());
      message.ack();
      if (++handled === count) break;
    }
    await connection.flush();
    const seconds = (performance.now() - started) / 1000;
    await iterator.close();
    return seconds;
  }

  try {
    // Warm-up (not counted): JIT, pool threads.
    for (const side of ['conveyor', 'nats.js'] as const) {
      const stream = await fill(1000, 't');
      await (side === 'conveyor' ? drainWithConveyor(stream, 1000) : drainWithNatsJs(stream, 1000));
      await jsm.streams.delete(stream);
      await jsm.streams.delete(`${stream}_dead_letters`).catch(() => false);
    }
    for (const benchCase of cases) {
      const rates: Record<Side, number[]> = { conveyor: [], 'nats.js': [] };
      console.log(`${benchCase.name}: ${benchCase.count} messages per run`);
      for (let round = 1; round <= rounds; round++) {
        const order: Side[] = round % 2 === 1 ? ['conveyor', 'nats.js'] : ['nats.js', 'conveyor'];
        const line: string[] = [];
        for (const side of order) {
          const stream = await fill(benchCase.count, benchCase.body);
          const seconds =
            side === 'conveyor' ? await drainWithConveyor(stream, benchCase.count) : await drainWithNatsJs(stream, benchCase.count);
          await jsm.streams.delete(stream);
          await jsm.streams.delete(`${stream}_dead_letters`).catch(() => false);
          rates[side].push(benchCase.count / seconds);
          line.push(`${side} ${(benchCase.count / seconds).toFixed(0)} msg/s`);
        }
        console.log(`  round ${round}: ${line.join(', ')}`);
      }
      const conveyor = summary(rates.conveyor);
      const natsJs = summary(rates['nats.js']);
      console.log(
        `  Conveyor NatsSource + Consumer (${threads} pool threads): min ${conveyor.min} / median ${conveyor.median} / max ${conveyor.max} msg/s`,
      );
      console.log(`  nats.js consume() + ack() (one loop):         min ${natsJs.min} / median ${natsJs.median} / max ${natsJs.max} msg/s`);
      console.log(`  ratio of medians Conveyor / nats.js: ${(conveyor.medianValue / natsJs.medianValue).toFixed(2)}x`);
    }
    console.log(
      `load average after: ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await connection.close();
  }
}

function summary(rates: readonly number[]): { min: string; median: string; max: string; medianValue: number } {
  const sorted = [...rates].sort((a, b) => a - b);
  const medianValue =
    sorted.length % 2 === 1
      ? (sorted[(sorted.length - 1) / 2] as number)
      : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  const format = (value: number): string => value.toFixed(0);
  return { min: format(sorted[0] as number), median: format(medianValue), max: format(sorted.at(-1) as number), medianValue };
}

const { isMainThread } = await import('node:worker_threads');
if (isMainThread) await main();
