import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { until } from '@conveyor/conformance';
import { Consumer, MessageNotTakenError, ShutdownError, silentLogger } from '@conveyor/core';
import type { Handler } from '@conveyor/core';
import type { RedisListMessage, RedisListSource } from '@conveyor/redis';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

/** Runs a Consumer (inline handler, bulks of `bulkSize`) until `done()` holds. */
async function consumeUntil(
  source: RedisListSource,
  handler: Handler<RedisListMessage>,
  done: () => Promise<boolean> | boolean,
  bulkSize = 10,
): Promise<void> {
  const consumer = new Consumer<RedisListMessage>(source, { logger: silentLogger, maxPollers: 1, bulkSize, maxPollBackoff: 20, handler });
  await consumer.start();
  try {
    await until(done, 20_000, 'the consumer to get there');
  } finally {
    await consumer.shutdown();
  }
}

describe('RedisListSource retry discipline', () => {
  it('with default options a failing message is delivered a few times a second at most, not in a hot loop', async () => {
    const source = sources.open();
    await source.send('always fails');
    const deliveries: number[] = [];
    const started = Date.now();
    await consumeUntil(
      source,
      (bulk) => {
        for (const message of bulk) {
          deliveries.push(Date.now() - started);
          throw new Error(`fail ${message.body}`);
        }
      },
      () => Date.now() - started > 1200,
    );
    // 500 ms base, equal jitter: again after 250–500 ms, then 500–1000 ms: at most 3 deliveries in 1.2 s.
    expect(deliveries.length).toBeGreaterThanOrEqual(1);
    expect(deliveries.length).toBeLessThanOrEqual(3);
    for (let index = 1; index < deliveries.length; index++) {
      expect((deliveries[index] as number) - (deliveries[index - 1] as number)).toBeGreaterThanOrEqual(240);
    }
  });

  it('a charged failure stays invisible for its backoff, then comes back counted', async () => {
    const source = sources.open({ retryBackoff: { baseMs: 300, capMs: 300, jitter: 'none' } });
    await source.send('retry me');
    const [first] = await source.get(neverAborted);
    const released = Date.now();
    await source.release([first!], new Error('handler failed'));
    expect(await source.inspect()).toEqual({ waiting: 1, inFlight: 0, deadLetters: 0 });
    let again: RedisListMessage[] = [];
    while (again.length === 0) {
      again = await source.get(neverAborted);
      if (again.length === 0) {
        expect(Date.now() - released, 'not back before its backoff').toBeLessThan(1500);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    expect(Date.now() - released).toBeGreaterThanOrEqual(295);
    expect(again.map((message) => [message.id, message.body, message.receiveCount])).toEqual([[first?.id, 'retry me', 2]]);
    await source.cleanup(again);
  });

  it('reaches the dead letters after maxReceiveCount (default 10) charged deliveries, with its last error', async () => {
    const source = sources.open({ retryBackoff: { baseMs: 10, capMs: 20 } });
    await source.send('poison');
    const receiveCounts: number[] = [];
    await consumeUntil(
      source,
      (bulk) => {
        for (const message of bulk) {
          receiveCounts.push(message.receiveCount);
          throw new Error(`attempt ${message.receiveCount}`);
        }
      },
      async () => (await source.inspect()).deadLetters === 1,
    );
    expect(receiveCounts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const [letter] = await source.deadLetters();
    expect(letter).toMatchObject({ body: Buffer.from('poison'), error: 'Error: attempt 10', receiveCount: 10 });
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 1 });
  });

  it('an uncharged release does not increase receiveCount', async () => {
    const source = sources.open({ maxReceiveCount: 2 });
    await source.send('a');
    for (const error of [new MessageNotTakenError(), new ShutdownError(), new MessageNotTakenError()]) {
      const [message] = await source.get(neverAborted);
      expect(message?.receiveCount).toBe(1);
      await source.release([message!], error);
    }
    const [message] = await source.get(neverAborted);
    expect(message?.receiveCount).toBe(1);
    await source.cleanup([message!]);
    expect(await source.deadLetters()).toEqual([]);
  });

  it('a poison message does not drag the messages the handler never took into the dead letters', async () => {
    const source = sources.open({ maxReceiveCount: 3, retryBackoff: { baseMs: 10, capMs: 20 } });
    const good = Array.from({ length: 30 }, (_, n) => `good-${n}`);
    await source.send('poison', ...good);
    const consumed = new Map<string, number>();
    await consumeUntil(
      source,
      (bulk) => {
        for (const message of bulk) {
          // Stops at the poison: the rest of the bulk is never taken.
          if (message.body === 'poison') return bulk.fail(message, new Error('poison'));
          consumed.set(message.body, message.receiveCount);
        }
      },
      async () => consumed.size === good.length && (await source.inspect()).deadLetters === 1,
    );
    expect([...consumed.keys()].sort()).toEqual([...good].sort());
    expect(new Set(consumed.values())).toEqual(new Set([1]));
    expect((await source.deadLetters()).map((letter) => [letter.body.toString(), letter.receiveCount])).toEqual([['poison', 3]]);
  });

  it('a delivery whose visibility lapsed comes back counted, and goes to the dead letters at maxReceiveCount', async () => {
    const source = sources.open({ visibilityTimeout: 100, maxReceiveCount: 2 });
    await source.send('crashes its consumer');
    const [first] = await source.get(neverAborted);
    expect(first?.receiveCount).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [second] = await source.get(neverAborted);
    expect([second?.id, second?.receiveCount]).toEqual([first?.id, 2]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await source.get(neverAborted)).toEqual([]);
    const [letter] = await source.deadLetters();
    expect(letter).toMatchObject({ id: first?.id, receiveCount: 2 });
    expect(letter?.error).toMatch(/visibility timeout lapsed/);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 1 });
  });
});
