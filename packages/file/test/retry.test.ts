import { describe, expect, it } from 'vitest';
import { MessageNotTakenError, ShutdownError } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { FileQueueReader, FileQueueWriter, FileSource, inspectQueueFolder, listDeadLetters } from '@conveyor/file';
import type { DeadLetterReport, FileMessage, FileSourceOptions } from '@conveyor/file';
import { names, namesStartingWith, quiet, until, useTempQueues } from './helpers.js';

// The retry discipline of the Source contract, on the file queue, timed by a ManualClock.
describe('retry discipline', () => {
  const queue = useTempQueues();
  const signal = new AbortController().signal;

  function write(directory: string, bodies: readonly string[], maxRowsPerBatch = 100): void {
    const writer = new FileQueueWriter<string>({ directory, maxRowsPerBatch, ...quiet });
    for (const body of bodies) void writer.add(body);
    writer.close();
  }

  function source(directory: string, clock: ManualClock, options: Partial<FileSourceOptions> = {}): FileSource<string> {
    return new FileSource<string>({ directory, waitTime: 0, clock, ...quiet, ...options });
  }

  const get = async (from: FileSource<string>): Promise<FileMessage<string>[]> => from.get(signal, { maxMessages: 100 });
  const view = (messages: readonly FileMessage<string>[]): Array<[string, number]> =>
    messages.map((message) => [message.body, message.receiveCount]);

  it('a charged failure comes back after its backoff, exponential in its receives, from a retry_ batch', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a']);
    const files = source(directory, clock, { retryBackoff: { baseMs: 1000, capMs: 8000, jitter: 'none' } });
    const [first] = await get(files);
    files.release([first as FileMessage<string>], new Error('boom'));
    // Written aside, not available: due in 1000 ms.
    expect(namesStartingWith(directory, 'retry_')).toHaveLength(1);
    expect(namesStartingWith(directory, 'avail_')).toEqual([]);
    await until(() => namesStartingWith(directory, 'assigned_').length === 0, 10_000, 'the settled batch deleted');
    expect(inspectQueueFolder(directory)).toMatchObject({ waiting: 1, delayed: 1, retryBatches: 1, inFlight: 0 });
    await clock.advance(999);
    expect(await get(files)).toEqual([]);
    await clock.advance(1);
    const second = await get(files);
    expect(view(second)).toEqual([['a', 2]]);
    expect(second[0]?.id).toBe(first?.id);

    // The second failure waits twice as long.
    files.release(second, new Error('boom again'));
    await clock.advance(1999);
    expect(await get(files)).toEqual([]);
    await clock.advance(1);
    const third = await get(files);
    expect(view(third)).toEqual([['a', 3]]);
    files.cleanup(third);
    files.close();
    expect(names(directory)).toEqual([]);
  });

  it('the jitter never brings a row back before half its backoff', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a', 'b', 'c']);
    const files = source(directory, clock, { retryBackoff: { baseMs: 1000, capMs: 1000 } });
    files.release(await get(files), new Error('boom'));
    await clock.advance(499);
    expect(await get(files)).toEqual([]);
    await clock.advance(501);
    expect(view(await get(files))).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 2],
    ]);
    files.close();
  });

  it('rows the handler never received (MessageNotTakenError, ShutdownError) come back at once, first, uncounted', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a', 'b', 'c', 'd']);
    const files = source(directory, clock, { maxReceiveCount: 1 });
    const first = await files.get(signal, { maxMessages: 3 });
    for (let round = 0; round < 5; round++) {
      const again = round === 0 ? first : await files.get(signal, { maxMessages: 3 });
      expect(view(again)).toEqual([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]);
      expect(again.map((message) => message.id)).toEqual(first.map((message) => message.id));
      files.release(again, round % 2 === 0 ? new MessageNotTakenError() : new ShutdownError());
    }
    // Never dead-lettered, though maxReceiveCount is 1; and a stale receipt settles nothing.
    files.cleanup(first);
    expect(files.inFlight).toBe(0);
    const all = await get(files);
    expect(view(all)).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);
    files.cleanup(all);
    files.close();
    expect(names(directory)).toEqual([]);
  });

  it('given back uncharged at shutdown, rows keep their turn and their receive count for the next reader', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a', 'b']);
    const first = source(directory, clock);
    const got = await get(first);
    first.release(got, new ShutdownError());
    first.close();
    const second = source(directory, clock);
    const again = await get(second);
    expect(view(again)).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    second.cleanup(again);
    second.close();
  });

  it('after maxReceiveCount receives a row goes to the dead letters with its last error, listed by listDeadLetters()', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['good-1', 'poison', 'good-2']);
    const files = source(directory, clock, { maxReceiveCount: 2, retryBackoff: { baseMs: 100, capMs: 100, jitter: 'none' } });
    const reports: DeadLetterReport[] = [];
    files.reader.on('deadLetter', (report) => reports.push(report));
    const got = await get(files);
    const poisonId = got[1]?.id;
    files.cleanup([got[0], got[2]] as FileMessage<string>[]);
    files.release([got[1]] as FileMessage<string>[], new TypeError('bad 1'));
    await clock.advance(100);
    const again = await get(files);
    expect(view(again)).toEqual([['poison', 2]]);
    files.release(again, new RangeError('bad 2'));

    expect(reports).toEqual([{ file: expect.stringContaining('dead') as string, rows: 1, ids: [poisonId] }]);
    expect(listDeadLetters<string>(directory)).toEqual([
      {
        id: poisonId,
        body: 'poison',
        receiveCount: 2,
        lastError: 'RangeError: bad 2',
        file: expect.stringMatching(/^avail_.*\.db$/) as string,
        // The time in the dead batch's name: the reader's clock when the row died.
        deadAt: clock.now(),
      },
    ]);
    // The settled batch file is deleted in the background.
    await until(() => namesStartingWith(directory, 'assigned_').length === 0, 10_000, 'the settled batch deleted');
    expect(files.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 1, oldestAgeMs: 0 });
    await clock.advance(60_000);
    expect(await get(files)).toEqual([]);
    files.close();
    expect(names(directory)).toEqual(['dead']);
  });

  it('a delivery whose visibility expired counts as a receive towards maxReceiveCount', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['slow']);
    const files = source(directory, clock, { maxReceiveCount: 2, visibilityTimeout: 100 });
    const [first] = await get(files);
    await clock.advance(100);
    const [second] = await get(files);
    expect(second?.receiveCount).toBe(2);
    files.release([first as FileMessage<string>], new Error('stale'));
    expect(listDeadLetters(directory)).toEqual([]);
    files.release([second as FileMessage<string>], new Error('failed'));
    expect(listDeadLetters(directory).map((letter) => [letter.body, letter.receiveCount])).toEqual([['slow', 2]]);
    files.close();
  });

  it('retryBackoff: false sends a failed row back at once, at the back of the queue', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a', 'b'], 1);
    const files = source(directory, clock, { retryBackoff: false });
    const a = await files.get(signal, { maxMessages: 1 });
    files.release(a, new Error('boom'));
    const next = await get(files);
    expect(view(next)).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
    files.cleanup(next);
    files.close();
  });

  it("another reader makes a reader's retry batch available once it is due", async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a']);
    const options = { directory, clock, retryBackoff: { baseMs: 300, capMs: 300, jitter: 'none' as const }, ...quiet };
    const failing = new FileQueueReader<string>(options);
    const batch = failing.claim();
    batch?.fail(batch.rows, new Error('boom'));
    failing.close();
    const other = new FileQueueReader<string>(options);
    expect(other.claim()).toBeUndefined();
    await clock.advance(300);
    const again = other.claim();
    expect(again?.rows.map((row) => [row.body, row.receiveCount])).toEqual([['a', 2]]);
    again?.consumeAll();
    other.close();
  });

  it('process(): rows the handler did not take go back at once and uncounted; a throw charges the held row', async () => {
    const directory = queue();
    const clock = new ManualClock();
    write(directory, ['a', 'b', 'c']);
    const reader = new FileQueueReader<string>({ directory, clock, retryBackoff: { baseMs: 100, capMs: 100, jitter: 'none' }, ...quiet });
    const taken = await reader.process((bulk) => {
      for (const row of bulk) if (row.body === 'a') return;
    });
    expect(taken).toMatchObject({ size: 3, consumed: 1, failed: 0, returned: 2 });
    // Given back in its turn, uncounted: available at once.
    const thrown = await reader.process((bulk) => {
      for (const row of bulk) {
        expect(row.receiveCount).toBe(1);
        throw new Error(`fail ${row.body}`);
      }
    });
    // The iterator rule: the held row ('b') is charged, the untaken one ('c') goes back uncounted, at once.
    expect(thrown).toMatchObject({ size: 2, consumed: 0, failed: 1, returned: 1 });
    expect(await reader.process((bulk) => void [...bulk])).toMatchObject({ size: 1, consumed: 1 });
    expect(await reader.process(() => {})).toBeUndefined();
    await clock.advance(100);
    const rows: Array<[string, number]> = [];
    const retried = await reader.process((bulk) => {
      for (const row of bulk) rows.push([row.body, row.receiveCount]);
    });
    expect(retried).toMatchObject({ consumed: 1 });
    expect(rows).toEqual([['b', 2]]);
    reader.close();
    expect(names(directory)).toEqual([]);
  });
});
