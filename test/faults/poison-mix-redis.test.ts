import { afterAll, describe, expect, it } from 'vitest';
import { RedisListSource } from '@conveyor/redis';
import { connectRedis, uniqueName } from '@conveyor/conformance';
import type { MixBody } from './poison-mix.js';
import { drainMix, poisonMix } from './poison-mix.js';

const redis = connectRedis();
afterAll(async () => {
  await redis.quit();
});

describe.each([1, 16, 128])('the poison mix on a RedisListSource, bulkSize %i', (bulkSize) => {
  it('dead-letters all 17 poison messages and no good one; nothing lost; duplicates stay within what was in flight', async () => {
    const mix = poisonMix();
    const source = new RedisListSource<MixBody>(redis, {
      key: uniqueName('conveyor-test:poison-mix'),
      bodyFormat: 'json',
      waitTime: 50,
      maxReceiveCount: 3,
      retryBackoff: { baseMs: 10, capMs: 40 },
    });
    try {
      await source.send(...mix.map((body) => JSON.stringify(body)));
      const outcome = await drainMix(source, bulkSize, async () => {
        const depth = await source.inspect();
        return depth.waiting === 0 && depth.inFlight === 0;
      });
      const dead = (await source.deadLetters(100)).map((letter) => JSON.parse(letter.body.toString('utf8')) as MixBody);
      const good = mix.filter((body) => body.poison === undefined);
      const duplicates = [...outcome.handled.values()].reduce((sum, count) => sum + count - 1, 0);
      console.log(
        `poison mix, Redis list, bulkSize ${bulkSize}: dead letters ${dead.length} (good among them ${dead.filter((body) => body.poison === undefined).length}), ` +
          `good handled ${outcome.handled.size} of ${good.length}, duplicates ${duplicates}, thread deaths ${outcome.threadDeaths}`,
      );
      expect(dead.filter((body) => body.poison === undefined)).toEqual([]);
      expect(dead.map((body) => body.n).sort((a, b) => a - b)).toEqual(
        mix.filter((body) => body.poison !== undefined).map((body) => body.n),
      );
      expect(good.every((body) => (outcome.handled.get(body.n) ?? 0) >= 1)).toBe(true);
      // A fault (a thread death, or an uncaught error blamed on a bulk: 4 such poisons × 3 deliveries × 2 runs)
      // makes the messages its bulk had taken handled again one by one: at most a bulk each, twice over for a
      // parcel whose report was lost between a blamed bulk and a death.
      expect(duplicates).toBeLessThanOrEqual((outcome.threadDeaths + 24) * bulkSize * 2);
    } finally {
      await source.clear();
    }
  });
});
