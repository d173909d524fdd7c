import { describe, expect, it } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import { KeyBuckets } from '../src/pipeline/key-buckets.js';

describe('KeyBuckets (keyRateLimit)', () => {
  it('gives each key its own burst, then one token per refill time; says how long until the next', async () => {
    const clock = new ManualClock(0);
    const buckets = new KeyBuckets({ messages: 2, per: 1000 }, clock);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('b')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(500);
    await clock.advance(499);
    expect(buckets.take('a')).toBe(1);
    await clock.advance(1);
    expect(buckets.take('a')).toBe(0);
    // A long quiet time refills up to the burst, no more.
    await clock.advance(10_000);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 500]);
  });

  it('forgets keys whose bucket filled up again, so memory follows the recently active keys', async () => {
    const clock = new ManualClock(0);
    const buckets = new KeyBuckets({ messages: 1, per: 1000 }, clock);
    for (let key = 0; key < 1000; key++) buckets.take(key);
    expect(buckets.size).toBe(1000);
    await clock.advance(1000);
    buckets.take('fresh');
    expect(buckets.size).toBe(1);
    // A forgotten key starts full, as it would have been.
    expect(buckets.take(7)).toBe(0);
    expect(buckets.take(7)).toBe(1000);
  });
});
