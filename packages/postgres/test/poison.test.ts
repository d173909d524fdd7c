import { expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { openQueue, until } from './helpers.js';

it('poison rows are dead-lettered after maxReceiveCount with their last error; their neighbours are consumed once, uncharged', async () => {
  const queue = await openQueue();
  const source = queue.source<{ n: number; poison?: boolean }>({
    maxReceiveCount: 3,
    retryBackoff: { baseMs: 40, jitter: 'none' },
    waitTime: 100,
    pollInterval: 20,
    logger: silentLogger,
  });
  const sender = queue.sender<{ n: number; poison?: boolean }>();
  const bodies = Array.from({ length: 60 }, (_, n) => (n % 20 === 7 ? { n, poison: true } : { n }));
  await sender.sendBodies(bodies);

  const handled = new Map<number, number[]>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 8,
    handler(bulk) {
      for (const message of bulk) {
        handled.set(message.body.n, [...(handled.get(message.body.n) ?? []), message.receiveCount]);
        if (message.body.poison === true) throw new Error(`cannot handle ${message.body.n}`);
      }
    },
  });
  await consumer.start();
  await until(
    async () => (await queue.deadLetters()).length === 3 && (await queue.rows()).length === 0,
    15_000,
    'poison dead, the rest consumed',
  );
  await consumer.shutdown();

  const dead = await queue.deadLetters();
  expect(dead.map((row) => Number(row.id))).toEqual([8, 28, 48]); // ids of n = 7, 27, 47
  for (const row of dead) {
    expect(row.attempts).toBe(3);
    expect(row.last_error).toMatch(/^Error: cannot handle \d+$/);
  }
  for (const body of bodies) {
    // A poison row was received three times (1, 2, 3); every neighbour once, never charged.
    expect(handled.get(body.n)).toEqual(body.poison === true ? [1, 2, 3] : [1]);
  }
  const letters = await queue.source<{ n: number }>({ logger: silentLogger }).deadLetters();
  expect(letters.map((letter) => letter.body as { n: number }).sort((a, b) => a.n - b.n)).toEqual([
    { n: 7, poison: true },
    { n: 27, poison: true },
    { n: 47, poison: true },
  ]);
});
