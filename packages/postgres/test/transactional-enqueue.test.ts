import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { PostgresSender } from '../src/index.js';
import { delay, never, openQueue, until } from './helpers.js';

it("send({ client }) is part of the caller's transaction: rolled back, the rows and their NOTIFY never existed; committed, they are delivered", async () => {
  const queue = await openQueue();
  await queue.pool.query(`CREATE TABLE "${queue.schema}".orders (id int PRIMARY KEY)`);
  // A sender without a pool of its own: it runs only on the clients it is given.
  const sender = new PostgresSender<{ order: number }>({ schema: queue.schema, table: queue.table });
  const clock = new ManualClock(); // a woken get() can only have been woken by a NOTIFY
  const source = queue.source<{ order: number }>({ clock, waitTime: 60_000, pollInterval: 60_000, logger: silentLogger });
  let woken: unknown[] | undefined;
  const waiting = source.get(never, { maxMessages: 10 }).then((messages) => (woken = messages));
  await until(() => source.listening, 5_000, 'LISTEN in place');

  const client = await queue.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO "${queue.schema}".orders VALUES (1)`);
    const ids = await sender.sendBodies([{ order: 1 }], { client });
    expect(ids).toHaveLength(1);
    // Not visible outside the transaction before it commits.
    expect(await queue.rows()).toEqual([]);
    await client.query('ROLLBACK');
    await delay(300);
    expect(woken).toBeUndefined();
    expect(await queue.rows()).toEqual([]);

    await client.query('BEGIN');
    await client.query(`INSERT INTO "${queue.schema}".orders VALUES (2)`);
    await sender.sendBodies([{ order: 2 }], { client });
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  await waiting;
  expect(woken).toEqual([expect.objectContaining({ body: { order: 2 } })]);
  await expect(sender.sendBodies([{ order: 3 }])).rejects.toThrow(/`client`/);
});

it('a send() larger than maxBatch runs several INSERTs in one transaction, ids in the order given', async () => {
  const queue = await openQueue({ bodyFormat: 'text' });
  const sender = queue.sender<string>({ bodyFormat: 'text', maxBatch: 7 });
  const ids = await sender.sendBodies(Array.from({ length: 30 }, (_, index) => `m${index}`));
  expect(ids.map(Number)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
  const source = queue.source<string>({ bodyFormat: 'text', waitTime: 0, logger: silentLogger });
  expect((await source.get(never, { maxMessages: 100 })).map((message) => message.body)).toEqual(
    Array.from({ length: 30 }, (_, index) => `m${index}`),
  );
});
