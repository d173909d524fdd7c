import { describe, expect, it } from 'vitest';
import { Consumer, HandlerFailedError, MessageNotTakenError } from '@conveyor/core';
import { RecordingSource, bodies, fixture, quiet, sorted, until } from './helpers.js';

describe('uncaught errors on pool threads are blamed on the bulk that started the work', () => {
  it('a promise rejected and never awaited fails its own bulk (retried alone, then charged), never the next one', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(6, (n) => (n === 2 ? { rejectOnFirst: true } : {})));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 1,
    });
    const died: unknown[] = [];
    consumer.on('threadDied', ({ error }) => died.push(error));
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    const charged = source.released.filter((entry) => !(entry.error instanceof MessageNotTakenError));
    expect(charged.map((entry) => entry.ids)).toEqual([[3]]);
    expect(charged[0]!.error).toBeInstanceOf(HandlerFailedError);
    expect((charged[0]!.error as Error).message).toContain('unawaited rejection 2');
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(died).toEqual([]);
  });

  it('an error thrown by work left running after its bulk was settled is reported as strayError, and blamed on no other bulk', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(4, (n) => (n === 0 ? { strayAfterMs: 150 } : n > 0 ? { sleep: 100 } : {})));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 1,
    });
    const strays: Array<{ error: unknown; threadId: number }> = [];
    consumer.on('strayError', (info) => strays.push(info));
    await consumer.start();
    await until(() => strays.length === 1, 10_000, 'the stray error');
    await source.drained();
    await consumer.shutdown();
    expect((strays[0]!.error as Error).message).toContain('stray 0');
    expect(source.released).toEqual([]);
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4]);
  });
});
