import { describe, expect, it } from 'vitest';
import { Consumer, HandlerTimeoutError, InvalidOptionError, MessageNotTakenError } from '@conveyor/core';
import { RecordingSource, bodies, fixture, quiet, sorted, until } from './helpers.js';

describe('handlerTimeout on pool threads', () => {
  it.each([
    ['spins on the CPU', { spinOnFirst: true }],
    ['waits forever', { hangOnFirst: true }],
  ])('a bulk whose handler %s fails with HandlerTimeoutError; the thread is replaced; the prefix stays consumed', async (_name, script) => {
    const source = new RecordingSource();
    source.sendMany(bodies(5, (n) => (n === 2 ? { ...script, n } : {})));
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 5,
      handlerTimeout: 300,
    });
    const died: unknown[] = [];
    const revived: number[] = [];
    consumer.on('threadDied', ({ error }) => died.push(error));
    consumer.on('threadRevived', ({ threadId }) => revived.push(threadId));
    await consumer.start();
    await until(() => source.released.length >= 2, 10_000, 'the timed-out bulk to be settled');
    const [held, untaken] = source.released;
    expect(held!.ids).toEqual([3]);
    expect(held!.error).toBeInstanceOf(HandlerTimeoutError);
    expect(untaken!.ids).toEqual([4, 5]);
    expect(untaken!.error).toBeInstanceOf(MessageNotTakenError);
    expect(sorted(source.cleaned.slice(0, 2))).toEqual([1, 2]);
    await until(() => revived.length >= 1, 10_000, 'a replacement thread');
    // Held message 3 only stalls on its first delivery: it comes back (after its backoff) and succeeds.
    await source.drained();
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5]);
    expect(died).toEqual([]); // a timeout is not reported as a death
  });
});

describe('handlerTimeout inline', () => {
  it('fails the bulk at the timeout and ignores its late completion', async () => {
    const source = new RecordingSource<number>();
    source.send(1, 2);
    let calls = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      bulkSize: 2,
      maxPollers: 1,
      handlerTimeout: 100,
      async handler(bulk) {
        calls++;
        for (const message of bulk) {
          if (calls === 1 && message.body === 2) await new Promise((resolve) => setTimeout(resolve, 400));
        }
      },
    });
    await consumer.start();
    // The prefix's cleanup and the held message's release are settled together, in either order.
    await until(() => source.released.length >= 1 && source.cleaned.length >= 1, 5_000, 'the timed-out bulk');
    expect(source.released[0]!.ids).toEqual([2]);
    expect(source.released[0]!.error).toBeInstanceOf(HandlerTimeoutError);
    // Only 1 was cleaned up with the timed-out bulk (on a busy machine, 2 may already be back and consumed).
    expect(source.cleaned[0]).toBe(1);
    await source.drained();
    await new Promise((resolve) => setTimeout(resolve, 400)); // the late completion comes and changes nothing
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual([1, 2]);
    expect(source.cleaned.length).toBe(2);
  });

  it('rejects a bad handlerTimeout', () => {
    expect(() => new Consumer(new RecordingSource(), { ...quiet, handler: () => {}, handlerTimeout: -1 })).toThrow(InvalidOptionError);
  });
});
