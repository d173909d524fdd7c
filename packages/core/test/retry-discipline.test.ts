import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource, MessageNotTakenError } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { quiet, until } from './helpers.js';

const signal = new AbortController().signal;

describe('MemorySource retry discipline', () => {
  it('a charged failure comes back only after its backoff, which grows; after maxReceiveCount it is dead-lettered', async () => {
    const clock = new ManualClock(0);
    const source = new MemorySource<string>({
      waitTime: 0,
      clock,
      retryBackoff: { baseMs: 1_000, capMs: 60_000, jitter: 'none' },
      maxReceiveCount: 3,
    });
    source.send('poison');
    const dueAfter: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [message] = await source.get(signal, { maxMessages: 1 });
      expect(message!.receiveCount).toBe(attempt);
      const failedAt = clock.now();
      source.release([message!], new Error('boom'));
      if (attempt === 3) break;
      // Not before its backoff: step 100 ms at a time until it is delivered again.
      let again: unknown[] = [];
      while (again.length === 0) {
        await clock.advance(100);
        again = await source.get(signal, { maxMessages: 1 });
        if (again.length > 0) source.release(again as never[], new MessageNotTakenError());
      }
      dueAfter.push(clock.now() - failedAt);
    }
    expect(dueAfter).toEqual([1_000, 2_000]);
    expect(source.deadLetters.map((letter) => letter.message.body)).toEqual(['poison']);
    expect(source.size).toBe(0);
  });

  it('with default options a failing message never loops hot and ends in the dead letters after 10 charged deliveries', async () => {
    const clock = new ManualClock(0);
    const source = new MemorySource<string>({ waitTime: 0, clock });
    source.send('always fails');
    let deliveries = 0;
    for (let step = 0; step < 100_000 && source.deadLetters.length === 0; step++) {
      const got = await source.get(signal, { maxMessages: 1 });
      deliveries += got.length;
      if (got.length > 0) source.release(got, new Error('boom'));
      else await clock.advance(250);
    }
    expect(deliveries).toBe(10);
    expect(source.deadLetters).toHaveLength(1);
    // 10 deliveries took at least the sum of the backoffs' lower bounds (equal jitter: half of 500 ms doubling, capped at 60 s).
    expect(clock.now()).toBeGreaterThanOrEqual(
      [1, 2, 4, 8, 16, 32, 64, 120, 120].reduce((sum, halfSteps) => sum + halfSteps * 250, 0) - 250,
    );
  });

  it('an uncharged release (the handler never received the message) comes back at once and does not count', async () => {
    const clock = new ManualClock(0);
    const source = new MemorySource<string>({ waitTime: 0, clock, maxReceiveCount: 1 });
    source.send('untaken');
    for (let round = 0; round < 5; round++) {
      const [message] = await source.get(signal, { maxMessages: 1 });
      expect(message!.receiveCount).toBe(1);
      source.release([message!], new MessageNotTakenError());
    }
    expect(source.deadLetters).toEqual([]);
    expect(source.size).toBe(1);
  });

  it('under a Consumer, a throwing handler with default options is retried with backoff, not 1,882 times a second', async () => {
    const source = new MemorySource<string>({ waitTime: 5 });
    source.send('fails');
    let calls = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      handler() {
        calls++;
        throw new Error('always');
      },
    });
    await consumer.start();
    await until(() => calls >= 2, 5_000, 'a second delivery');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.shutdown();
    // 500 ms base with equal jitter: the second delivery waits ≥ 250 ms, the third ≥ 500 ms more.
    expect(calls).toBeLessThanOrEqual(3);
  });
});
