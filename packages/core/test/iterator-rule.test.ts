import { describe, expect, it } from 'vitest';
import { Consumer, HandlerFailedError, MessageNotTakenError } from '@conveyor/core';
import scriptedHandler, { batchWrite } from './fixtures/scripted-handler.js';
import { RecordingSource, bodies, fixture, quiet, sorted, until } from './helpers.js';

const executors = [
  ['inline', { handler: scriptedHandler }],
  ['threads', { handlerModule: fixture('scripted-handler.js'), maxHandlers: 2 }],
] as const;

describe.each(executors)('the iterator rule (%s)', (executor, handlerOptions) => {
  it('consumes what was taken before a throw; charges the held message; the untaken rest goes back uncharged', async () => {
    const n = 8;
    const k = 5; // throw while holding message 5 of the bulk
    const source = new RecordingSource();
    source.sendMany(bodies(n, (index) => (index === k ? { throw: 'first' } : {})));
    const consumer = new Consumer(source, { ...quiet, ...handlerOptions, bulkSize: n, maxPollers: 1 });
    const receiveCounts = new Map<number, number>();
    consumer.on('consumed', (messages) => messages.forEach((message) => receiveCounts.set(message.id, message.receiveCount)));
    await consumer.start();
    await until(() => source.released.length >= 2, 10_000, 'the first releases');
    const [held, untaken] = source.released;
    expect(held!.ids).toEqual([6]); // ids are 1-based: message 5
    expect(untaken!.ids).toEqual([7, 8]);
    expect(untaken!.error).toBeInstanceOf(MessageNotTakenError);
    expect(sorted(source.cleaned.slice(0, k))).toEqual([1, 2, 3, 4, 5]);
    const error = held!.error as Error;
    if (executor === 'threads') {
      expect(error).toBeInstanceOf(HandlerFailedError);
      expect(error.message).toContain('boom 5');
    } else {
      expect(error.message).toBe('boom 5');
    }
    // The failed ones come back and succeed; only the held one was charged a delivery.
    await source.drained();
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([receiveCounts.get(6), receiveCounts.get(7), receiveCounts.get(8)]).toEqual([2, 1, 1]);
  });

  it('charges the first message when the handler throws before taking one; the others go back uncharged', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(3, (index) => (index === 0 ? { throw: 'first' } : {})));
    const consumer = new Consumer(source, { ...quiet, ...handlerOptions, bulkSize: 3, maxPollers: 1 });
    await consumer.start();
    await until(() => source.released.length >= 2);
    expect(source.released[0]!.ids).toEqual([1]);
    expect(source.released[1]!.ids).toEqual([2, 3]);
    expect(source.released[1]!.error).toBeInstanceOf(MessageNotTakenError);
    await source.drained();
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual([1, 2, 3]);
  });

  it('bulk.all() takes the bulk as one unit: all consumed when the handler returns, all failed when it throws', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(10, (index) => (index === 9 ? { throw: 'first' } : {})));
    const batchOptions =
      executor === 'inline'
        ? { handler: batchWrite }
        : { handlerModule: fixture('scripted-handler.js'), handlerExport: 'batchWrite', maxHandlers: 2 };
    const consumer = new Consumer(source, { ...quiet, ...batchOptions, bulkSize: 10, maxPollers: 1 });
    await consumer.start();
    await until(() => source.released.length >= 1);
    expect(source.cleaned).toEqual([]);
    expect(sorted(source.released[0]!.ids)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await source.drained();
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('marks single messages failed without throwing (partial-batch failure)', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(6, (index) => (index % 2 === 1 ? { mark: 'first' } : {})));
    const consumer = new Consumer(source, { ...quiet, ...handlerOptions, bulkSize: 6, maxPollers: 1 });
    await consumer.start();
    await until(() => source.released.length >= 3);
    // The first settlement: marked ones released (one call per reason), the others cleaned up.
    expect(sorted(source.released.slice(0, 3).flatMap((entry) => entry.ids))).toEqual([2, 4, 6]);
    expect((source.released[0]!.error as Error).message).toMatch(/marked \d/);
    expect(sorted(source.cleaned.slice(0, 3))).toEqual([1, 3, 5]);
    await source.drained();
    await consumer.shutdown();
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('messages the handler never took', () => {
  it('go back to the source with MessageNotTakenError when the handler returns early', async () => {
    const source = new RecordingSource<number>();
    source.send(1, 2, 3, 4);
    let calls = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      bulkSize: 4,
      maxPollers: 1,
      handler(bulk) {
        calls++;
        // First call: take two, then return. Later calls: take everything.
        let taken = 0;
        for (const message of bulk) {
          void message;
          if (calls === 1 && ++taken === 2) break;
        }
      },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(source.released[0]!.ids).toEqual([3, 4]);
    expect(source.released[0]!.error).toBeInstanceOf(MessageNotTakenError);
    expect(sorted(source.cleaned)).toEqual([1, 2, 3, 4]);
  });
});
