import { describe, expect, it } from 'vitest';
import { Consumer, PoolThreadError } from '@conveyor/core';
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

describe.each(deaths)('a pool thread dying by %s mid-bulk', (_name, script, extraOptions) => {
  it('fails its whole bulk, cleans up nothing of it, and the pool replaces the thread', async () => {
    const source = new RecordingSource();
    // Message 3 of the bulk kills the thread; 1 and 2 were already handled but must not be cleaned up.
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
    consumer.on('threadDied', ({ error }) => died.push(error));
    consumer.on('threadRevived', ({ threadId }) => revived.push(threadId));
    await consumer.start();
    await until(() => source.released.length > 0, 20_000, 'the dead bulk to be released');
    expect(source.released[0]!.ids).toEqual([1, 2, 3, 4, 5]);
    expect(source.released[0]!.error).toBeInstanceOf(PoolThreadError);
    expect(source.cleaned).toEqual([]);
    // Redelivered to the replacement thread, which handles it (the script only kills on first receive).
    await source.drained();
    await until(() => revived.length > 0, 10_000, 'threadRevived');
    await consumer.shutdown();
    expect(died.length).toBe(1);
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('a pool thread dying in the middle of a parcel of many bulks', () => {
  it('fails only the bulk it was in and those after it; the bulks it finished stay consumed', async () => {
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
    expect(lostParcels.length).toBe(1);
    expect(lostParcels[0]).toBeGreaterThan(1);
    const released = source.releasedIds;
    expect(released).toContain(exitAt + 1);
    expect(Math.min(...released)).toBe(exitAt + 1);
    expect(sorted(source.cleaned)).toEqual(Array.from({ length: 2000 }, (_, index) => index + 1));
  });
});
