import { describe, expect, it } from 'vitest';
import { Consumer, HandlerFailedError, MessageNotTakenError, PoolThreadError } from '@conveyor/core';
import { RecordingSource, bodies, fixture, quiet, sorted, until } from './helpers.js';
import type { Body } from './helpers.js';

const deaths: Array<[string, Partial<Body>, object]> = [
  ['process.exit()', { exitOnFirst: true }, {}],
  ['an uncaught error', { uncaughtOnFirst: true }, {}],
  [
    'running out of memory (resourceLimits)',
    { oomOnFirst: true },
    { poolResourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } },
  ],
];

describe.each(deaths)('a pool thread dying by %s mid-bulk', (name, script, extraOptions) => {
  it('retries the messages its handler took one by one: only the culprit is charged; the untaken ones go back uncharged', async () => {
    const source = new RecordingSource();
    // Message 3 of the bulk kills the thread on its first delivery; 1 and 2 were already handled but must not be cleaned up yet.
    source.sendMany(bodies(5, (n) => (n === 2 ? script : {})));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 5,
      ...extraOptions,
    });
    const died: unknown[] = [];
    const revived: number[] = [];
    const receiveCounts = new Map<number, number>();
    consumer.on('threadDied', ({ error }) => died.push(error));
    consumer.on('threadRevived', ({ threadId }) => revived.push(threadId));
    consumer.on('consumed', (messages) => messages.forEach((message) => receiveCounts.set(message.id, message.receiveCount)));
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    // The suspects (the messages the handler took: 1, 2, 3 — all five for the uncaught error, whose handler went on)
    // were handled alone: 3 failed alone again and was the only one charged. The untaken ones went back uncharged.
    const charged = source.released.filter((entry) => !(entry.error instanceof MessageNotTakenError));
    expect(charged.flatMap((entry) => entry.ids)).toEqual([3]);
    const untaken = source.released.filter((entry) => entry.error instanceof MessageNotTakenError).flatMap((entry) => entry.ids);
    expect(untaken).toEqual(name === 'an uncaught error' ? [] : [4, 5]);
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5]);
    expect([...receiveCounts.entries()].sort(([a], [b]) => a - b)).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 1],
      [5, 1],
    ]);
    if (name === 'an uncaught error') {
      // Caught, blamed on the bulk that started the work: the thread survives.
      expect(charged[0]!.error).toBeInstanceOf(HandlerFailedError);
      expect((charged[0]!.error as Error).message).toContain('uncaught in pool thread');
      expect(died).toEqual([]);
    } else {
      expect(charged[0]!.error).toBeInstanceOf(PoolThreadError);
      expect(died.length).toBe(2); // once in the bulk, once alone
      await until(() => revived.length >= 2, 10_000, 'threadRevived');
    }
  });
});

describe('a pool thread dying in the middle of a parcel of many bulks', () => {
  it('keeps the bulks it finished; charges only the message that kills it; the later bulks go back uncharged', async () => {
    const source = new RecordingSource({ waitTime: 5 });
    const exitAt = 1500; // message index (id exitAt + 1) that kills its thread on first receive
    source.sendMany(bodies(2000, (n) => (n === exitAt ? { exitOnFirst: true } : {})));
    const lostParcels: number[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 1,
      metrics: { received() {}, settleError() {}, settled: (sample) => void (sample.failed > 0 && lostParcels.push(sample.bulks)) },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    // The scenario really had a multi-bulk parcel lost.
    expect(lostParcels.some((bulks) => bulks > 1)).toBe(true);
    const charged = source.released.filter((entry) => !(entry.error instanceof MessageNotTakenError));
    expect(charged.flatMap((entry) => entry.ids)).toEqual([exitAt + 1]);
    expect(Math.min(...source.releasedIds)).toBe(exitAt + 1);
    expect(sorted(source.cleaned)).toEqual(Array.from({ length: 2000 }, (_, index) => index + 1));
  });
});
