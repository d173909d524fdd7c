import { expect, it } from 'vitest';
import { Consumer, MessageNotTakenError, silentLogger } from '@conveyor/core';
import { never, openQueue, until } from './helpers.js';

it('an uncharged release puts rows back at once, without counting the delivery or touching the last error', async () => {
  const queue = await openQueue();
  // A backoff long enough that a charged release would keep the row away for the whole test.
  const source = queue.source<{ n: number }>({ retryBackoff: { baseMs: 60_000 }, waitTime: 0, logger: silentLogger });
  await queue.sender<{ n: number }>().sendBodies([{ n: 1 }, { n: 2 }]);

  const [first, second] = await source.get(never, { maxMessages: 10 });
  await source.release([first!], new Error('charged'));
  await source.release([second!], new MessageNotTakenError());
  // Only the uncharged one is due: the charged one waits out its backoff.
  const again = await source.get(never, { maxMessages: 10 });
  expect(again).toEqual([expect.objectContaining({ id: second?.id, receiveCount: 1, receipt: 2, lastError: null })]);
  await source.release(again, new MessageNotTakenError());
  const back = await source.get(never, { maxMessages: 10 });
  expect(back).toEqual([expect.objectContaining({ id: second?.id, receiveCount: 1, receipt: 3 })]);
  const rows = await queue.rows();
  expect(rows.map((row) => [row.id, row.attempts, row.deliveries, row.last_error])).toEqual([
    [first?.id, 1, 1, 'Error: charged'],
    [second?.id, 1, 3, null],
  ]);
  await source.cleanup(back);
});

it('under a Consumer: rows a handler never took go back uncounted, and are handled on their first charged receive', async () => {
  const queue = await openQueue();
  const source = queue.source<{ n: number }>({ waitTime: 50, logger: silentLogger });
  await queue.sender<{ n: number }>().sendBodies(Array.from({ length: 12 }, (_, n) => ({ n })));
  const seen: Array<[number, number]> = [];
  let calls = 0;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 1,
    bulkSize: 4,
    handler(bulk) {
      calls++;
      for (const message of bulk) {
        seen.push([message.body.n, message.receiveCount]);
        // The first two calls take one message and return: the rest of the bulk is not taken.
        if (calls <= 2) return;
      }
    },
  });
  await consumer.start();
  await until(async () => (await queue.rows()).length === 0, 10_000, 'every row consumed');
  await consumer.shutdown();
  expect(new Set(seen.map(([n]) => n)).size).toBe(12);
  // Untaken rows were delivered again, but never charged: every receive count is 1.
  expect(seen.every(([, receiveCount]) => receiveCount === 1)).toBe(true);
});
