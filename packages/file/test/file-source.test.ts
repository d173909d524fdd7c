import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { FileQueueReader, FileQueueWriter, FileSource, listDeadLetters } from '@conveyor/file';
import type { FileMessage } from '@conveyor/file';
import { names, quiet, useTempQueues, until } from './helpers.js';

interface Job {
  n: number;
  failFirst?: boolean;
  alwaysFail?: boolean;
}

describe('FileSource under a Consumer', () => {
  const queue = useTempQueues();
  const write = (directory: string, jobs: Job[], maxRowsPerBatch = 100): void => {
    const writer = new FileQueueWriter<Job>({ directory, maxRowsPerBatch, ...quiet });
    for (const job of jobs) void writer.add(job);
    writer.close();
  };

  it('inline handler that throws and marks: every row consumed exactly once, failed rows come back', async () => {
    const directory = queue();
    const total = 1000;
    write(
      directory,
      Array.from({ length: total }, (_, n) => ({ n, failFirst: n % 7 === 0 })),
    );
    // Backoff is not the subject here (see retry.test.ts): failed rows come back at once.
    const source = new FileSource<Job>({ directory, waitTime: 50, pollInterval: 10, retryBackoff: false, ...quiet });
    const consumed = new Map<number, number>();
    const deliveries = new Map<number, number[]>();
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 2,
      maxHandlers: 2,
      bulkSize: 16,
      handler(bulk) {
        for (const message of bulk) {
          const { n, failFirst } = message.body;
          deliveries.set(n, [...(deliveries.get(n) ?? []), message.receiveCount]);
          if (failFirst === true && message.receiveCount === 1) {
            if (n % 2 === 0) throw new Error(`fail ${n}`);
            bulk.fail(message, new Error(`mark ${n}`));
          }
        }
      },
    });
    consumer.on('consumed', (messages) => {
      for (const message of messages) consumed.set(message.body.n, (consumed.get(message.body.n) ?? 0) + 1);
    });
    await consumer.start();
    await until(() => consumed.size === total, 30_000, 'every row consumed');
    await consumer.shutdown();
    expect([...consumed.values()].every((count) => count === 1)).toBe(true);
    // Rows marked to fail were delivered a second time, with receiveCount 2.
    for (let n = 0; n < total; n += 7) expect(deliveries.get(n)).toContain(2);
    expect(consumer.stats.failed).toBeGreaterThanOrEqual(Math.ceil(total / 7));
    expect(names(directory)).toEqual([]);
  });

  it('handlers on pool threads: file messages cross as JSON, failures come back', async () => {
    const directory = queue();
    const total = 300;
    write(
      directory,
      Array.from({ length: total }, (_, n) => ({ n, failFirst: n % 10 === 0 })),
      50,
    );
    const source = new FileSource<Job>({ directory, waitTime: 50, pollInterval: 10, retryBackoff: false, ...quiet });
    const consumed = new Set<number>();
    let duplicates = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: new URL('./fixtures/file-row-handler.js', import.meta.url),
      maxHandlers: 2,
      maxPollers: 1,
      bulkSize: 8,
    });
    consumer.on('consumed', (messages) => {
      for (const message of messages) {
        if (consumed.has(message.body.n)) duplicates++;
        consumed.add(message.body.n);
      }
    });
    await consumer.start();
    await until(() => consumed.size === total, 30_000, 'every row consumed');
    await consumer.shutdown();
    expect(duplicates).toBe(0);
    // A throw also fails the rows its bulk had not reached yet.
    expect(consumer.stats.failed).toBeGreaterThanOrEqual(total / 10);
    expect(names(directory)).toEqual([]);
  });

  it('get() claims another batch only while it has gathered less than half of what it may return', async () => {
    const directory = queue();
    write(
      directory,
      Array.from({ length: 40 }, (_, n) => ({ n })),
      10,
    );
    const source = new FileSource<Job>({ directory, waitTime: 0, ...quiet });
    const signal = new AbortController().signal;
    const ns = (messages: FileMessage<Job>[]): number[] => messages.map((message) => message.body.n);
    // 10 rows of 16 allowed: enough, the next batch stays for another reader.
    expect(ns(await source.get(signal, { maxMessages: 16 }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(source.reader.claimed).toBe(1);
    // 10 rows of 30: less than half, so the next batch too, whole.
    expect(ns(await source.get(signal, { maxMessages: 30 }))).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    ]);
    // Fewer than a batch: a part of it, the rest delivered next, before any other batch is claimed.
    expect(ns(await source.get(signal, { maxMessages: 4 }))).toEqual([30, 31, 32, 33]);
    expect(ns(await source.get(signal, { maxMessages: 100 }))).toEqual([34, 35, 36, 37, 38, 39]);
    expect(await source.get(signal, { maxMessages: 100 })).toEqual([]);
    source.close();
  });

  it('a row that keeps failing goes to dead/ after maxReceiveCount deliveries', async () => {
    const directory = queue();
    write(directory, [{ n: 1 }, { n: 2, alwaysFail: true }, { n: 3 }]);
    const source = new FileSource<Job>({ directory, waitTime: 50, pollInterval: 10, maxReceiveCount: 3, retryBackoff: false, ...quiet });
    const deadLetters: number[] = [];
    source.reader.on('deadLetter', (info) => deadLetters.push(info.rows));
    const attempts: number[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 1,
      handler(bulk) {
        for (const message of bulk) {
          if (message.body.alwaysFail === true) {
            attempts.push(message.receiveCount);
            throw new Error('poison');
          }
        }
      },
    });
    await consumer.start();
    await until(() => deadLetters.length === 1, 20_000, 'the dead letter');
    await consumer.shutdown();
    expect(attempts).toEqual([1, 2, 3]);
    expect(listDeadLetters<Job>(directory)).toEqual([
      {
        id: expect.stringMatching(/:1$/) as string,
        body: { n: 2, alwaysFail: true },
        receiveCount: 3,
        lastError: 'Error: poison',
        file: expect.any(String) as string,
        deadAt: expect.any(Number) as number,
      },
    ]);
    expect(names(directory)).toEqual(['dead']);
    const dead = readdirSync(join(directory, 'dead'));
    expect(dead).toHaveLength(1);
    // The dead-letter folder holds an ordinary batch: a reader pointed at it can replay it.
    const reader = new FileQueueReader<Job>({ directory: join(directory, 'dead'), ...quiet });
    const batch = reader.claim();
    expect(batch?.rows.map((row) => [row.body.n, row.receiveCount])).toEqual([[2, 4]]);
    batch?.consumeAll();
    reader.close();
    expect(listDeadLetters(directory)).toEqual([]);
  });

  it('get() on an empty folder looks again every pollInterval for up to waitTime', async () => {
    const directory = queue();
    const clock = new ManualClock();
    const source = new FileSource<Job>({ directory, waitTime: 1000, pollInterval: 50, clock, ...quiet });
    const signal = new AbortController().signal;
    let empty: FileMessage<Job>[] | undefined;
    void source.get(signal, { maxMessages: 10 }).then((got) => (empty = got));
    await clock.advance(999);
    expect(empty).toBeUndefined();
    await clock.advance(1);
    expect(empty).toEqual([]);

    let got: FileMessage<Job>[] | undefined;
    void source.get(signal, { maxMessages: 10 }).then((messages) => (got = messages));
    await clock.advance(120);
    expect(got).toBeUndefined();
    write(directory, [{ n: 1 }, { n: 2 }]);
    // The next look, at 150 ms, finds the batch.
    await clock.advance(29);
    expect(got).toBeUndefined();
    await clock.advance(1);
    expect(got?.map((message) => message.body.n)).toEqual([1, 2]);
    source.cleanup(got ?? []);

    // An abort ends the wait at once.
    const controller = new AbortController();
    let aborted: FileMessage<Job>[] | undefined;
    void source.get(controller.signal, { maxMessages: 10 }).then((messages) => (aborted = messages));
    await clock.advance(10);
    controller.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(aborted).toEqual([]);
    source.close();
  });

  it('forget() (the consumer gave up settling them) delivers the rows again, first in line; a late settle of the old delivery is ignored', async () => {
    const directory = queue();
    write(
      directory,
      Array.from({ length: 6 }, (_, n) => ({ n })),
    );
    const source = new FileSource<Job>({ directory, waitTime: 0, ...quiet });
    const signal = new AbortController().signal;
    const got = await source.get(signal, { maxMessages: 4 });
    source.cleanup(got.slice(0, 2));
    // Their cleanup kept failing: without forget() they would stay out (deliveries never lapse by default).
    source.forget(got.slice(2));
    source.cleanup(got.slice(2)); // the old deliveries: stale now
    const again = await source.get(signal, { maxMessages: 100 });
    expect(again.map((message) => message.body.n)).toEqual([2, 3, 4, 5]);
    expect(again.slice(0, 2).map((message) => message.receiveCount)).toEqual([1, 1]);
    source.cleanup(again);
    expect(source.inFlight).toBe(0);
    expect(await source.get(signal, { maxMessages: 100 })).toEqual([]);
    source.close();
  });

  it('close() gives back rows delivered and not settled, which a new source delivers again', async () => {
    const directory = queue();
    write(
      directory,
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );
    const first = new FileSource<Job>({ directory, waitTime: 0, ...quiet });
    const signal = new AbortController().signal;
    const got = await first.get(signal, { maxMessages: 4 });
    expect(got.map((message) => message.body.n)).toEqual([0, 1, 2, 3]);
    first.cleanup(got.slice(0, 2));
    first.close();
    // A late settlement after close is ignored.
    first.cleanup(got.slice(2));

    const second = new FileSource<Job>({ directory, waitTime: 0, ...quiet });
    const again = await second.get(signal, { maxMessages: 100 });
    expect(again.map((message) => message.body.n)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    // Written again into a new batch file, the rows keep their ids and receive counts.
    expect(again.slice(0, 2).map((message) => message.id)).toEqual(got.slice(2).map((message) => message.id));
    expect(again.slice(0, 2).map((message) => message.receipt.batch)).not.toContain(got[2]?.receipt.batch);
    expect(again.map((message) => message.receiveCount)).toEqual(again.map(() => 1));
    second.cleanup(again);
    expect(await second.get(signal, { maxMessages: 100 })).toEqual([]);
    second.close();
    expect(names(directory)).toEqual([]);
  });

  it('ignores a settlement of an older delivery (receipt) after a visibility timeout redelivered the row', async () => {
    const directory = queue();
    write(directory, [{ n: 1 }]);
    const clock = new ManualClock();
    const source = new FileSource<Job>({ directory, waitTime: 0, visibilityTimeout: 50, clock, ...quiet });
    const signal = new AbortController().signal;
    const [first] = await source.get(signal, { maxMessages: 10 });
    await clock.advance(49);
    expect(await source.get(signal, { maxMessages: 10 })).toEqual([]);
    await clock.advance(1);
    const [second] = await source.get(signal, { maxMessages: 10 });
    expect(second?.id).toBe(first?.id);
    expect(second?.receiveCount).toBe(2);
    source.release([first as FileMessage<Job>], new Error('stale'));
    expect(source.inFlight).toBe(1);
    source.cleanup([second as FileMessage<Job>]);
    expect(source.inFlight).toBe(0);
    source.close();
    expect(names(directory)).toEqual([]);
  });

  it('extend() renews a delivery for another visibility timeout (the lease keeper calls it); settled ones are skipped', async () => {
    const directory = queue();
    write(directory, [{ n: 1 }, { n: 2 }]);
    const clock = new ManualClock();
    const source = new FileSource<Job>({ directory, waitTime: 0, visibilityTimeout: 1_000, clock, ...quiet });
    expect(source.leaseDuration()).toBe(1_000);
    const signal = new AbortController().signal;
    const got = await source.get(signal, { maxMessages: 10 });
    expect(got).toHaveLength(2);
    await clock.advance(800);
    source.cleanup([got[1] as FileMessage<Job>]);
    source.extend(got);
    await clock.advance(900); // 1,700 ms after delivery: renewed at 800, so held until 1,800
    expect(await source.get(signal, { maxMessages: 10 })).toEqual([]);
    await clock.advance(100);
    const again = await source.get(signal, { maxMessages: 10 });
    expect(again.map((message) => [message.id, message.receiveCount])).toEqual([[got[0]?.id, 2]]);
    source.cleanup(again);
    source.close();
  });
});
