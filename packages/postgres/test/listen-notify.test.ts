import { expect, it } from 'vitest';
import { MessageNotTakenError, silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import type pg from 'pg';
import { delay, never, openPool, openQueue, until } from './helpers.js';

/** A pool that counts the claim statements run on it. */
function countingPool(): { pool: pg.Pool; claims: () => number } {
  const pool = openPool();
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  let claims = 0;
  pool.query = ((config: pg.QueryConfig) => {
    if (config.text.includes('key_heads')) claims++;
    return query(config);
  }) as typeof pool.query;
  return { pool, claims: () => claims };
}

it('a get() waiting on an empty table wakes on the sender NOTIFY, without polling', async () => {
  const queue = await openQueue();
  const { pool, claims } = countingPool();
  // The clock never moves: the fallback poll (and the get's own deadline) can never fire.
  const clock = new ManualClock();
  const source = queue.source<{ n: number }>({ pool, clock, waitTime: 60_000, pollInterval: 60_000, logger: silentLogger });
  let result: unknown[] | undefined;
  const pending = source.get(never, { maxMessages: 10 }).then((messages) => (result = messages));
  await until(() => claims() === 1 && source.listening, 5_000, 'the first (empty) claim with LISTEN in place');
  await delay(300);
  expect(result).toBeUndefined();
  expect(claims()).toBe(1);

  await queue.sender<{ n: number }>().sendBodies([{ n: 1 }]);
  await pending;
  expect(result).toEqual([expect.objectContaining({ body: { n: 1 }, receiveCount: 1 })]);
  // One more claim, the one the notification caused.
  expect(claims()).toBe(2);
  await source.close();
  await pool.end();
});

it('with listen: false the same get() sleeps through the send, and finds the row at its next poll', async () => {
  const queue = await openQueue();
  const { pool, claims } = countingPool();
  const clock = new ManualClock();
  const source = queue.source<{ n: number }>({ pool, clock, listen: false, waitTime: 60_000, pollInterval: 1_000, logger: silentLogger });
  let result: unknown[] | undefined;
  const pending = source.get(never, { maxMessages: 10 }).then((messages) => (result = messages));
  await until(() => claims() === 1, 5_000, 'the first claim');
  await queue.sender<{ n: number }>().sendBodies([{ n: 2 }]);
  await delay(300);
  expect(result).toBeUndefined();
  expect(source.listening).toBe(false);
  await clock.advance(1_000);
  await pending;
  expect(result).toEqual([expect.objectContaining({ body: { n: 2 } })]);
  expect(claims()).toBe(2);
  await source.close();
  await pool.end();
});

it('an uncharged release NOTIFYs too: another waiting get() takes the rows at once', async () => {
  const queue = await openQueue();
  const clock = new ManualClock();
  const waiting = queue.source<{ n: number }>({ clock, waitTime: 60_000, pollInterval: 60_000, logger: silentLogger });
  const holder = queue.source<{ n: number }>({ waitTime: 0, logger: silentLogger });
  await queue.sender<{ n: number }>().sendBodies([{ n: 3 }]);
  const held = await holder.get(never, { maxMessages: 10 });
  expect(held).toHaveLength(1);
  const pending = waiting.get(never, { maxMessages: 10 });
  await until(() => waiting.listening, 5_000, 'LISTEN in place');
  await delay(100);
  await holder.release(held, new MessageNotTakenError());
  expect(await pending).toEqual([expect.objectContaining({ body: { n: 3 }, receiveCount: 1 })]);
});

it("a cleanup that ends a key's head NOTIFYs: a waiting get() takes the key's next row at once", async () => {
  const queue = await openQueue();
  const clock = new ManualClock();
  const waiting = queue.source<{ n: number }>({ clock, waitTime: 60_000, pollInterval: 60_000, logger: silentLogger });
  const holder = queue.source<{ n: number }>({ waitTime: 0, logger: silentLogger });
  await queue.sender<{ n: number }>().send([
    { body: { n: 1 }, key: 'k' },
    { body: { n: 2 }, key: 'k' },
  ]);
  const head = await holder.get(never, { maxMessages: 10 });
  expect(head.map((message) => message.body.n)).toEqual([1]);
  const pending = waiting.get(never, { maxMessages: 10 });
  await until(() => waiting.listening, 5_000, 'LISTEN in place');
  await delay(100);
  await holder.cleanup(head);
  expect((await pending).map((message) => message.body.n)).toEqual([2]);
});
