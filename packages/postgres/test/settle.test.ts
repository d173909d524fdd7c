import { describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { delay, never, openQueue } from './helpers.js';

describe('settling', () => {
  it('extend() renews every held row in one statement; a row not renewed comes back', async () => {
    const queue = await openQueue();
    const source = queue.source<{ n: number }>({ visibilityTimeout: 400, waitTime: 0, logger: silentLogger });
    await queue.sender<{ n: number }>().sendBodies([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const held = await source.get(never, { maxMessages: 10 });
    for (let renewal = 0; renewal < 3; renewal++) {
      await delay(250);
      await source.extend(held.slice(0, 2));
    }
    // 750 ms after the claim: the renewed two are still held, the third came back.
    const back = await source.get(never, { maxMessages: 10 });
    expect(back.map((message) => [message.body.n, message.receiveCount])).toEqual([[3, 2]]);
    await source.cleanup([...held.slice(0, 2), ...back]);
    expect(await queue.rows()).toEqual([]);
  });

  it('a stale receipt (the lease lapsed, the row was claimed again) settles nothing', async () => {
    const queue = await openQueue();
    const source = queue.source<{ n: number }>({ visibilityTimeout: 100, waitTime: 0, logger: silentLogger });
    await queue.sender<{ n: number }>().sendBodies([{ n: 1 }]);
    const [late] = await source.get(never, { maxMessages: 1 });
    await delay(150);
    const [again] = await source.get(never, { maxMessages: 1 });
    expect(again).toMatchObject({ id: late?.id, receipt: 2, receiveCount: 2 });
    await source.cleanup([late!]);
    await source.release([late!], new Error('late'));
    await source.extend([late!]);
    expect((await queue.rows()).map((row) => [row.deliveries, row.last_error])).toEqual([[2, null]]);
    await source.cleanup([again!]);
    expect(await queue.rows()).toEqual([]);
  });

  it("consumed: 'mark' keeps consumed rows with done_at, never delivered again; inspect() counts them", async () => {
    const queue = await openQueue();
    const source = queue.source<{ n: number }>({ consumed: 'mark', waitTime: 0, logger: silentLogger });
    await queue.sender<{ n: number }>().send([{ body: { n: 1 }, key: 'k' }, { body: { n: 2 }, key: 'k' }, { body: { n: 3 } }]);
    const first = await source.get(never, { maxMessages: 10 });
    expect(first.map((message) => message.body.n)).toEqual([1, 3]);
    await source.cleanup(first);
    // A done head no longer holds its key back.
    const second = await source.get(never, { maxMessages: 10 });
    expect(second.map((message) => message.body.n)).toEqual([2]);
    await source.cleanup(second);
    expect(await source.get(never, { maxMessages: 10 })).toEqual([]);
    expect((await queue.rows()).every((row) => row.done_at !== null)).toBe(true);
    expect(await source.inspect()).toMatchObject({ waiting: 0, inFlight: 0, done: 3, deadLetters: 0, oldestAgeMs: undefined });
  });

  it('inspect() tells waiting, in flight, delayed, dead letters and the oldest age; redrive() brings dead letters back', async () => {
    const queue = await openQueue();
    const source = queue.source<{ n: number }>({ maxReceiveCount: 1, waitTime: 0, logger: silentLogger });
    const sender = queue.sender<{ n: number }>();
    await sender.send([{ body: { n: 1 } }, { body: { n: 2 } }, { body: { n: 3 }, delay: 60_000 }]);
    const [first] = await source.get(never, { maxMessages: 1 });
    await delay(20);
    expect(await source.inspect()).toMatchObject({ waiting: 2, inFlight: 1, delayed: 1, deadLetters: 0 });
    expect((await source.inspect()).oldestAgeMs).toBeGreaterThanOrEqual(20);
    await source.release([first!], new Error('once is enough'));
    expect(await source.inspect()).toMatchObject({ waiting: 2, inFlight: 0, deadLetters: 1 });
    expect(await source.deadLetters()).toEqual([
      expect.objectContaining({ id: first?.id, body: { n: 1 }, attempts: 1, lastError: 'Error: once is enough' }),
    ]);
    expect(await source.redrive()).toBe(1);
    const again = await source.get(never, { maxMessages: 10 });
    // Back with its id, attempts reset; a new delivery number (an old receipt still settles nothing).
    expect(again.map((message) => [message.id, message.receiveCount, message.receipt]).sort()).toEqual([
      [first?.id, 1, 2],
      ['2', 1, 1],
    ]);
  });
});
