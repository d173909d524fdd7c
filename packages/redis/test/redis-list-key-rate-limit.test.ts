import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { until } from '@conveyor/conformance';
import type { RedisListMessage } from '@conveyor/redis';
import { ListSources } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

interface Order {
  readonly account: string;
  readonly n: number;
}

describe('keyRateLimit on a RedisListSource', () => {
  it('paces each ordering key on its own: a hot key waits for its tokens, the other keys are never held back', async () => {
    const source = sources.open<Order>({ bodyFormat: 'json', waitTime: 20 });
    const hot = Array.from({ length: 12 }, (_, n): Order => ({ account: 'hot', n }));
    const cold = Array.from({ length: 20 }, (_, n): Order => ({ account: `cold-${n % 10}`, n }));
    // The hot key first: without per-key pacing its twelve would be handled before any cold one.
    await source.send(...[...hot, ...cold].map((order) => JSON.stringify(order)));
    const clock = new ManualClock(0);
    const handled: Order[] = [];
    const consumer = new Consumer<RedisListMessage<Order>>(source, {
      logger: silentLogger,
      bulkSize: 4,
      clock,
      orderingKey: (message) => message.body.account,
      keyRateLimit: { messages: 2, per: 1000 },
      handler(bulk) {
        for (const message of bulk) handled.push(message.body);
      },
    });
    const ofHot = (): Order[] => handled.filter((order) => order.account === 'hot');
    await consumer.start();
    try {
      // Time stands still: each key has its two tokens, no more.
      await until(() => handled.length === 22, 5_000, 'two of the hot key and every cold one');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ofHot()).toHaveLength(2);
      expect(handled.filter((order) => order.account !== 'hot')).toHaveLength(20);
      // Each second gives the hot key two more tokens (the bucket holds no more than two).
      for (let second = 1; second <= 5; second++) {
        await clock.advance(1000);
        await until(() => ofHot().length === 2 + 2 * second, 5_000, `the hot key's share of second ${second}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ofHot()).toHaveLength(12);
    } finally {
      await consumer.shutdown();
    }
    // Its order kept throughout.
    expect(ofHot().map((order) => order.n)).toEqual(hot.map((order) => order.n));
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });
});
