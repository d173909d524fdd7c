import { describe, expect, it } from 'vitest';
import { Consumer, InvalidOptionError, InvalidSourceError, MemorySource } from '@conveyor/core';
import { fixture, quiet, until } from './helpers.js';
// The group spawns its threads from the built worker script: the built class.
import { PollerThreadGroup } from '../dist/threads/poller-thread-group.js';

function sharedCells(total: number): { shared: SharedArrayBuffer; cells: Int32Array } {
  const shared = new SharedArrayBuffer(4 * (2 + total * 2));
  const cells = new Int32Array(shared);
  return { shared, cells };
}

const cleanedCount = (cells: Int32Array, total: number): number => {
  let count = 0;
  for (let id = 0; id < total; id++) count += Atomics.load(cells, 2 + id * 2);
  return count;
};

describe('poller threads', () => {
  it('polls on worker threads, hands bulks to the pool as bytes, and settles in the thread that holds them', async () => {
    const total = 3000;
    const { shared, cells } = sharedCells(total);
    const consumer = new Consumer(
      { module: fixture('shared-counter-source.js'), options: { shared, total, failEvery: 7 } },
      { ...quiet, pollerThreads: true, maxPollers: 2, handlerModule: fixture('fail-flagged-handler.js'), maxHandlers: 2, bulkSize: 16 },
    );
    await consumer.start();
    await until(() => cleanedCount(cells, total) >= total, 20_000, 'every message cleaned up');
    await consumer.shutdown();
    for (let id = 0; id < total; id++) {
      expect(Atomics.load(cells, 2 + id * 2), `cleanups of message ${id}`).toBe(1);
    }
    // Every 7th message failed once (its whole bulk remainder with it), was released, and came back.
    let released = 0;
    for (let id = 0; id < total; id += 7) released += Atomics.load(cells, 3 + id * 2);
    expect(released).toBe(Math.ceil(total / 7));
    expect(consumer.stats.failed).toBeGreaterThanOrEqual(Math.ceil(total / 7));
  });

  it('a settle retried after one poller thread failed its part settles nothing twice in the other, and loses nothing', async () => {
    const shared = new SharedArrayBuffer(4 * 2 * 1004);
    const cells = new Int32Array(shared);
    const group = new PollerThreadGroup({
      module: fixture('settle-probe-source.js').href,
      export: 'default',
      options: { shared, failFirstCleanupOn: 1 },
      pollers: 2,
      bulkSize: 4,
    });
    await group.start();
    const signal = new AbortController().signal;
    const x = await group.threads[0]!.get(signal, { maxMessages: 4 });
    const y = await group.threads[1]!.get(signal, { maxMessages: 4 });
    // A parcel's settlement: x0, x1 and all of y consumed, x2 and x3 failed. Thread 1 fails its part of
    // the cleanup; the consumer retries it with every ref, thread 0's included.
    const consumed = [x[0]!, x[1]!, ...y];
    await expect(group.cleanup(consumed)).rejects.toThrow('transient');
    await group.cleanup(consumed);
    // x2 and x3 are still held: they can be encoded alone, and their release reaches the source.
    expect((await group.encode([x[2]!])).format).toBe('json');
    await group.release([x[2]!, x[3]!], new Error('failed'));
    await group.close();
    const count = (id: number, settle: 0 | 1): number => Atomics.load(cells, id * 2 + settle);
    expect([0, 1, 2, 3].map((id) => [count(id, 0), count(id, 1)])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    expect([1000, 1001, 1002, 1003].map((id) => count(id, 0))).toEqual([1, 1, 1, 1]);
  });

  it('a pool thread that dies: its suspects are handled again alone, as the messages themselves, and only the killer is charged', async () => {
    const total = 600;
    const { shared, cells } = sharedCells(total);
    // Per id its charged failures, then the handler's refusals of anything that is not a message.
    const audit = new SharedArrayBuffer(4 * (total + 1));
    const audited = new Int32Array(audit);
    const consumer = new Consumer(
      { module: fixture('shared-counter-source.js'), options: { shared, total, killEvery: 200, audit } },
      { ...quiet, pollerThreads: true, maxPollers: 2, handlerModule: fixture('kill-flagged-handler.js'), maxHandlers: 2, bulkSize: 8 },
    );
    const died: unknown[] = [];
    consumer.on('threadDied', ({ error }) => died.push(error));
    await consumer.start();
    await until(() => cleanedCount(cells, total) >= total, 20_000, 'every message cleaned up');
    await consumer.shutdown();
    // Each killer kills in its parcel (two may share one death), then handled alone (charged); back unflagged, it is consumed.
    expect(died.length).toBeGreaterThanOrEqual(3);
    expect(died.length).toBeLessThanOrEqual(6);
    expect(Atomics.load(audited, total), 'refs handed to the handler instead of messages').toBe(0);
    for (let id = 0; id < total; id++) {
      expect(Atomics.load(cells, 2 + id * 2), `cleanups of message ${id}`).toBe(1);
      expect(Atomics.load(audited, id), `charged failures of message ${id}`).toBe(id % 200 === 0 ? 1 : 0);
    }
  });

  it('a poller thread lets go of messages whose cleanup main gave up on (the source delivers them again)', async () => {
    const total = 400;
    const shared = new SharedArrayBuffer(4 * 3);
    const cells = new Int32Array(shared);
    const consumer = new Consumer(
      { module: fixture('leak-probe-source.js'), options: { shared, total, failingCleanups: 3 } },
      {
        ...quiet,
        pollerThreads: true,
        maxPollers: 1,
        handlerModule: fixture('kill-flagged-handler.js'),
        maxHandlers: 1,
        bulkSize: 10,
        settleAttempts: 1,
        maxPollBackoff: 20,
      },
    );
    await consumer.start();
    // Every message the thread handed out is collected there in the end: the ones cleaned up, and
    // those of the three cleanups main gave up on (held until settled before).
    await until(() => Atomics.load(cells, 1) >= total, 20_000, 'every message let go of in its poller thread');
    await consumer.shutdown();
    expect(Atomics.load(cells, 2)).toBeLessThan(total);
  });

  it('a poller thread that dies is revived by the supervisor, and consumption goes on', async () => {
    const total = 2000;
    const { shared, cells } = sharedCells(total);
    Atomics.store(cells, 1, 1); // one exit allowed
    const consumer = new Consumer(
      { module: fixture('shared-counter-source.js'), options: { shared, total, exitAfterGets: 3 } },
      {
        ...quiet,
        pollerThreads: true,
        maxPollers: 2,
        handlerModule: fixture('fail-flagged-handler.js'),
        maxHandlers: 1,
        bulkSize: 8,
        maxInFlight: 64,
      },
    );
    const died: unknown[] = [];
    const revived: number[] = [];
    consumer.on('pollerDied', ({ error }) => died.push(error));
    consumer.on('pollerRevived', ({ poller }) => revived.push(poller));
    await consumer.start();
    await consumer.supervise({ pollInterval: 20 });
    // Messages drawn by the dead thread and not yet cleaned up are lost with this fixture's
    // thread-local storage (a real broker redelivers them); all the others must be cleaned up.
    await until(
      () => Atomics.load(cells, 0) >= total && died.length === 1 && revived.length === 1,
      20_000,
      'the run to finish after a revival',
    );
    await until(() => cleanedCount(cells, total) >= total - 64, 20_000, 'the messages not held by the dead thread');
    await consumer.shutdown();
    expect((died[0] as Error).message).toMatch(/Poller thread \d died/);
    for (let id = 0; id < total; id++) expect(Atomics.load(cells, 2 + id * 2)).toBeLessThanOrEqual(1);
  });

  it('start() rejects when the source module has no usable export', async () => {
    const consumer = new Consumer(
      { module: fixture('broken-source-module.js') },
      { ...quiet, pollerThreads: true, handlerModule: fixture('fail-flagged-handler.js') },
    );
    await expect(consumer.start()).rejects.toThrow(/no export `default` that is a class or a factory \(it exports: somethingElse\)/);
  });

  it('a source module also works without poller threads (built once on the main thread)', async () => {
    const total = 500;
    const { shared, cells } = sharedCells(total);
    const consumer = new Consumer(
      { module: fixture('shared-counter-source.js'), options: { shared, total } },
      { ...quiet, handlerModule: fixture('fail-flagged-handler.js'), bulkSize: 10 },
    );
    await consumer.start();
    await until(() => cleanedCount(cells, total) >= total, 20_000, 'every message cleaned up');
    await consumer.shutdown();
    expect(cleanedCount(cells, total)).toBe(total);
  });

  it('rejects pollerThreads with a source object or an inline handler', () => {
    expect(
      () => new Consumer(new MemorySource<number>(), { pollerThreads: true, handlerModule: fixture('fail-flagged-handler.js') }),
    ).toThrow(InvalidOptionError);
    expect(() => new Consumer({ module: fixture('shared-counter-source.js') }, { pollerThreads: true, handler: () => {} })).toThrow(
      /`executor` to be 'threads' with `pollerThreads`/,
    );
    expect(() => new Consumer({ module: './missing-source.js' }, { handlerModule: fixture('fail-flagged-handler.js') })).toThrow(
      /`source.module`/,
    );
    expect(
      () =>
        new Consumer({ module: fixture('shared-counter-source.js'), export: '' }, { handlerModule: fixture('fail-flagged-handler.js') }),
    ).toThrow(InvalidSourceError);
  });
});
