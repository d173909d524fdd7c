import { expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { delay, never, openQueue, until } from './helpers.js';

interface Job {
  readonly key: string;
  readonly seq: number;
}

it('a claim hands out only the head of each key, never while an earlier row of the key is claimed or retrying', async () => {
  const queue = await openQueue();
  const source = queue.source<Job>({ retryBackoff: { baseMs: 300, jitter: 'none' }, waitTime: 0, logger: silentLogger });
  const sender = queue.sender<Job>();
  await sender.send([
    ...[1, 2, 3].map((seq) => ({ body: { key: 'a', seq }, key: 'a' })),
    ...[1, 2].map((seq) => ({ body: { key: 'b', seq }, key: 'b' })),
    { body: { key: '-', seq: 1 } },
    { body: { key: '-', seq: 2 } },
  ]);
  const first = await source.get(never, { maxMessages: 10 });
  expect(first.map((message) => `${message.body.key}${message.body.seq}`).sort()).toEqual(['-1', '-2', 'a1', 'b1']);
  expect(source.orderingKey(first.find((message) => message.key === 'a')!)).toBe('a');
  // Heads in flight: nothing more of a or b.
  expect(await source.get(never, { maxMessages: 10 })).toEqual([]);
  const a1 = first.find((message) => message.body.key === 'a')!;
  await source.release([a1], new Error('retry me'));
  await source.cleanup(first.filter((message) => message !== a1));
  // b's head is gone: b2 is next. a's head is retrying: a2 waits behind it.
  expect((await source.get(never, { maxMessages: 10 })).map((message) => `${message.body.key}${message.body.seq}`)).toEqual(['b2']);
  await delay(350);
  const retried = await source.get(never, { maxMessages: 10 });
  expect(retried.map((message) => [`${message.body.key}${message.body.seq}`, message.receiveCount])).toEqual([['a1', 2]]);
});

it('many keys, some rows failing: each key consumed in order, one row of a key at a time, all keys finished', async () => {
  const queue = await openQueue();
  const source = queue.source<Job>({
    retryBackoff: { baseMs: 20, jitter: 'none' },
    waitTime: 100,
    pollInterval: 20,
    maxMessages: 20,
    logger: silentLogger,
  });
  const keys = Array.from({ length: 25 }, (_, index) => `key-${index}`);
  const perKey = 12;
  // Interleaved, as producers of many keys would write them.
  const messages = Array.from({ length: perKey }, (_, seq) => keys.map((key) => ({ body: { key, seq }, key }))).flat();
  await queue.sender<Job>().send(messages);

  const consumed = new Map<string, number[]>(keys.map((key) => [key, []]));
  const running = new Set<string>();
  let overlaps = 0;
  const failedOnce = new Set<string>();
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    maxHandlers: 4,
    bulkSize: 5,
    async handler(bulk) {
      for (const message of bulk) {
        const { key, seq } = message.body;
        if (running.has(key)) overlaps++;
        running.add(key);
        try {
          await delay(1);
          // About one row in seven fails its first delivery (charged: it retries after its backoff, its key waits).
          const id = `${key}/${seq}`;
          if ((seq * 3 + Number(key.slice(4))) % 7 === 3 && !failedOnce.has(id)) {
            failedOnce.add(id);
            throw new Error(`first try of ${id}`);
          }
          consumed.get(key)!.push(seq);
        } finally {
          running.delete(key);
        }
      }
    },
  });
  await consumer.start();
  await until(() => [...consumed.values()].every((seqs) => seqs.length >= perKey), 30_000, 'every key finished');
  await consumer.shutdown();
  expect(failedOnce.size).toBeGreaterThan(10);
  expect(overlaps).toBe(0);
  for (const key of keys) expect(consumed.get(key), key).toEqual(Array.from({ length: perKey }, (_, seq) => seq));
  expect(await queue.rows()).toEqual([]);
});
