import { describe, expect, it } from 'vitest';
import { MemorySource } from '@conveyor/core';
import type { MixBody } from './poison-mix.js';
import { drainMix, poisonMix } from './poison-mix.js';

describe.each([1, 16, 128])('the poison mix on a MemorySource, bulkSize %i', (bulkSize) => {
  it('dead-letters all 17 poison messages and no good one; duplicates stay within what was in flight', async () => {
    const mix = poisonMix();
    const source = new MemorySource<MixBody>({ waitTime: 5, maxReceiveCount: 3, retryBackoff: { baseMs: 10, capMs: 40 } });
    source.sendMany(mix);
    const outcome = await drainMix(source, bulkSize, async () => source.size === 0 && source.inFlight === 0);
    const dead = source.deadLetters.map((letter) => letter.message.body);
    const good = mix.filter((body) => body.poison === undefined);
    console.log(
      `poison mix, memory, bulkSize ${bulkSize}: consumed ${source.consumedCount}, dead letters ${dead.length}, ` +
        `good handled twice or more ${[...outcome.handled.values()].filter((count) => count > 1).length}, thread deaths ${outcome.threadDeaths}`,
    );
    const deadNs = new Set(dead.map((body) => body.n));
    console.log(
      'poison not dead-lettered:',
      mix.filter((body) => body.poison !== undefined && !deadNs.has(body.n)).map((body) => body.poison),
    );
    expect(dead.filter((body) => body.poison === undefined)).toEqual([]);
    expect(dead.map((body) => body.n).sort((a, b) => a - b)).toEqual(mix.filter((body) => body.poison !== undefined).map((body) => body.n));
    expect(source.consumedCount).toBe(good.length);
    // Nothing lost: every good message was handled; duplicates only of messages that were in flight with a poison one.
    expect(good.every((body) => (outcome.handled.get(body.n) ?? 0) >= 1)).toBe(true);
    const duplicates = [...outcome.handled.values()].reduce((sum, count) => sum + count - 1, 0);
    // A fault (a thread death, or an uncaught error blamed on a bulk: 4 such poisons × 3 deliveries × 2 runs)
    // makes the messages its bulk had taken handled again one by one: at most a bulk each, twice over for a
    // parcel whose report was lost between a blamed bulk and a death.
    expect(duplicates).toBeLessThanOrEqual((outcome.threadDeaths + 24) * bulkSize * 2);
  });
});
