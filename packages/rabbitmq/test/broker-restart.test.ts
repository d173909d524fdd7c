import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import type { ConveyorError } from '@conveyor/core';
import { RabbitMqSource } from '../src/index.js';
import type { QueueType } from '../src/index.js';
import { Broker, rabbitServerInstalled, startOwnRabbit, uniqueName, until } from './helpers.js';
import type { OwnRabbit } from './helpers.js';

// A node of the test's own (never the shared broker), killed with SIGKILL and started again on the same data.
describe.skipIf(!rabbitServerInstalled())('a broker restart', () => {
  let node: OwnRabbit;
  beforeAll(async () => {
    node = await startOwnRabbit();
  }, 90_000);
  afterAll(async () => {
    await node?.dispose();
  });

  it('a restart (clean stop, start) mid-run: consumers on a classic and a quorum queue reconnect, nothing is lost, duplicates stay within what was in flight', async () => {
    const prefetch = 40;
    const { runs, inFlightAtStop } = await outage(node, 'SIGTERM', prefetch);
    runs.forEach((run, index) => {
      const duplicates = run.handled.length - new Set(run.handled).size;
      // Only deliveries unacked when the broker stopped come again: never more than the
      // broker lets a consumer hold (the prefetch); the source held this many a moment before the stop.
      expect(inFlightAtStop[index]).toBeLessThanOrEqual(prefetch);
      expect(duplicates, `${run.queueType}: duplicates`).toBeLessThanOrEqual(prefetch);
    });
  });

  it('a crash (SIGKILL) mid-run: nothing is lost; acks the broker had not written yet may come back as duplicates', async () => {
    const prefetch = 40;
    const { runs, handledAtStop } = await outage(node, 'SIGKILL', prefetch);
    runs.forEach((run, index) => {
      const seen = new Set<string>();
      const duplicated = run.handled.filter((body) => seen.has(body) || (seen.add(body), false));
      // Only messages delivered before the crash come again; none delivered after it.
      expect(duplicated.filter((body) => !run.firstGeneration.has(body))).toEqual([]);
      console.log(
        `broker crash, ${run.queueType} queue: ${duplicated.length} duplicates (prefetch ${prefetch}, ${handledAtStop[index]} handled before the crash)`,
      );
    });
  });
});

/**
 * Consumes a classic and a quorum queue of `node`, stops it with `signal` after 100 messages each,
 * starts it again, sends more, and waits until every message was consumed and acked.
 */
async function outage(
  node: OwnRabbit,
  signal: 'SIGTERM' | 'SIGKILL',
  prefetch: number,
): Promise<{ runs: Run[]; inFlightAtStop: number[]; handledAtStop: number[] }> {
  const runs = await Promise.all((['classic', 'quorum'] as const).map((queueType) => startRun(node, queueType, prefetch)));
  await until(() => runs.every((run) => run.handled.length >= 100), 20_000, '100 messages handled on each queue');
  const inFlightAtStop = runs.map((run) => run.source.inFlight);
  const handledAtStop = runs.map((run) => run.handled.length);
  await node.kill(signal);
  await until(() => runs.every((run) => run.disconnects > 0), 10_000, 'the sources to notice');
  await node.start();
  // Sent after the restart, on a connection of the test's own.
  const broker = await Broker.connect(node.url);
  for (const run of runs) await broker.send(run.queue, run.later);
  try {
    await until(
      () => runs.every((run) => run.all.every((body) => run.consumed.has(body))),
      45_000,
      'every message consumed after the restart',
    );
  } catch (error) {
    const state = runs.map((run) => ({
      queueType: run.queueType,
      missing: run.all.filter((body) => !run.consumed.has(body)).length,
      generations: run.generations,
      errors: run.errors.slice(0, 3).map((each) => each.message),
      inFlight: run.source.inFlight,
      stats: run.consumer.stats,
    }));
    throw new Error(`${(error as Error).message}: ${JSON.stringify(state)}`);
  }
  for (const run of runs) {
    await until(() => run.source.inFlight === 0, 10_000, 'every delivery acked');
    await run.consumer.shutdown();
    expect(run.generations.length).toBeGreaterThanOrEqual(2);
    expect(run.errors.every((error) => error.code === 'RABBITMQ_CONNECTION')).toBe(true);
    expect(run.consumer.stats.pollerRestarts).toBe(0);
    expect(await broker.count(run.queue)).toBe(0);
    await broker.deleteTopology(run.queue);
  }
  await broker.close();
  return { runs, inFlightAtStop, handledAtStop };
}

interface Run {
  readonly queueType: QueueType;
  readonly queue: string;
  readonly source: RabbitMqSource;
  readonly consumer: Consumer<unknown>;
  readonly handled: string[];
  /** Bodies handed out on the first channel generation (before the outage). */
  readonly firstGeneration: Set<string>;
  readonly consumed: Set<string>;
  readonly all: string[];
  readonly later: string[];
  readonly generations: number[];
  readonly errors: ConveyorError[];
  disconnects: number;
}

async function startRun(node: OwnRabbit, queueType: QueueType, prefetch: number): Promise<Run> {
  const queue = uniqueName(`restart-${queueType}`);
  const source = new RabbitMqSource({
    url: node.url,
    queue,
    queueType,
    prefetch,
    reconnectBackoff: { baseMs: 100, capMs: 500 },
    waitTime: 1_000,
    logger: silentLogger,
  });
  const first = Array.from({ length: 300 }, (_, index) => `${queueType}-before-${index}`);
  const later = Array.from({ length: 100 }, (_, index) => `${queueType}-after-${index}`);
  const handled: string[] = [];
  const firstGeneration = new Set<string>();
  const consumed = new Set<string>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 10,
    async handler(bulk) {
      const bodies: string[] = [];
      for (const message of bulk) {
        bodies.push(message.body);
        if (message.receipt.generation === 1) firstGeneration.add(message.body);
      }
      handled.push(...bodies);
      await new Promise((resolve) => setTimeout(resolve, 25));
      for (const body of bodies) consumed.add(body);
    },
  });
  const run: Run = {
    queueType,
    queue,
    source,
    consumer: consumer as Consumer<unknown>,
    handled,
    firstGeneration,
    consumed,
    all: [...first, ...later],
    later,
    generations: [],
    errors: [],
    disconnects: 0,
  };
  source.on('connected', ({ generation }) => run.generations.push(generation));
  source.on('disconnected', () => run.disconnects++);
  source.on('error', (error) => run.errors.push(error));
  await source.inspect();
  const broker = await Broker.connect(node.url);
  await broker.send(queue, first);
  await broker.close();
  await consumer.start();
  return run;
}
