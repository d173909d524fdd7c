import { describe, expect, it } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileQueueReader, FileQueueWriter, recoverBatches } from '@conveyor/file';
import type { BatchRow } from '@conveyor/file';
import { craftBatch, deadOwner, key, namesStartingWith, quiet, runFixture, useTempQueues, until } from './helpers.js';

function readAll(reader: FileQueueReader<{ n: number }>): number[] {
  const seen: number[] = [];
  for (let batch = reader.claim(); batch !== undefined; batch = reader.claim()) {
    for (const row of batch) seen.push(row.body.n);
    batch.consumeAll();
  }
  return seen;
}

describe('recovery after crashes', () => {
  const queue = useTempQueues();

  it('a reader SIGKILLed holding a batch: a live owner is never robbed, a dead one is recovered whole', async () => {
    const directory = queue();
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: 10, ...quiet });
    for (let n = 0; n < 30; n++) void writer.add({ n });
    writer.close();

    const holder = runFixture('hold-batch.ts', [directory]);
    const claimed = await holder.line('claimed');
    expect(claimed).toMatch(/^claimed \S+ 10$/);
    expect(namesStartingWith(directory, 'assigned_')).toHaveLength(1);

    // While the holder lives, recovery leaves its batch alone: we get the two others only.
    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    expect(reader.recover().returned).toEqual([]);
    expect(readAll(reader)).toEqual(Array.from({ length: 20 }, (_, n) => n + 10));
    // Finished batches are deleted in the background; the holder's stays.
    await until(() => namesStartingWith(directory, 'assigned_').length === 1, 10_000, 'finished batches deleted');

    holder.process.kill('SIGKILL');
    expect(await holder.exited).toBe('SIGKILL');
    const recovered = reader.recover();
    expect(recovered.returned).toHaveLength(1);
    // All ten rows come back, those it consumed before dying included (at-least-once).
    expect(readAll(reader)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    reader.close();
    expect(namesStartingWith(directory, 'assigned_')).toEqual([]);
  });

  it("claim() runs a recovery pass every recoverInterval: a dead reader's batch comes back without recover()", async () => {
    const directory = queue();
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: 10, ...quiet });
    for (let n = 0; n < 10; n++) void writer.add({ n });
    writer.close();
    const holder = runFixture('hold-batch.ts', [directory]);
    expect(await holder.line('claimed')).toMatch(/^claimed \S+ 10$/);
    const clock = new ManualClock();
    const reader = new FileQueueReader<{ n: number }>({ directory, recoverInterval: 5000, clock, ...quiet });
    const recovered: string[][] = [];
    reader.on('recovered', (report) => recovered.push(report.returned));
    holder.process.kill('SIGKILL');
    expect(await holder.exited).toBe('SIGKILL');

    await clock.advance(4999);
    expect(reader.claim()).toBeUndefined();
    expect(namesStartingWith(directory, 'assigned_')).toHaveLength(1);
    await clock.advance(1);
    expect(readAll(reader)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(recovered).toHaveLength(1);
    reader.close();
  });

  it('a writer killed mid-batch loses only what it had not flushed; flush() lost nothing', async () => {
    const directory = queue();
    const child = runFixture('write-then-hang.ts', [directory, '250', '150']);
    expect(await child.line('ready')).toBe('ready 150');
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(1);
    expect(namesStartingWith(directory, 'loading_')).toHaveLength(1);
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    // The open batch had no commit: its file is removed, its 150 rows are what the kill lost.
    expect(namesStartingWith(directory, 'loading_')).toEqual([]);
    expect(readAll(reader)).toEqual(Array.from({ length: 250 }, (_, n) => n));
    reader.close();
  });

  it('a normal exit without close() still makes the open batch available', async () => {
    const directory = queue();
    const child = runFixture('write-then-hang.ts', [directory, '5', '7', '--exit']);
    expect(await child.exited).toBe(0);
    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    expect(readAll(reader)).toEqual(Array.from({ length: 12 }, (_, n) => n));
    reader.close();
  });

  it('a loading_ file with committed rows whose writer died is made available; one without is removed', async () => {
    const directory = queue();
    const owner = await deadOwner();
    craftBatch(join(directory, `loading_${owner}_${key(1, 1)}.db`), ['{"n":1}', '{"n":2}']);
    craftBatch(join(directory, `loading_${owner}_${key(1, 2)}.db`), []);
    const report = recoverBatches(directory);
    expect(report.returned).toEqual([`avail_${key(1, 1)}.db`]);
    expect(report.removed).toEqual([`loading_${owner}_${key(1, 2)}.db`]);
    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    expect(readAll(reader)).toEqual([1, 2]);
    reader.close();
  });

  it('the files of this live process are never recovered', () => {
    const directory = queue();
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: 100, ...quiet });
    void writer.add({ n: 1 }); // opens loading_<this process>_...
    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    writer.flush();
    const batch = reader.claim();
    expect(batch?.size).toBe(1);
    void writer.add({ n: 2 });
    expect(recoverBatches(directory)).toEqual({ returned: [], removed: [], corrupt: [] });
    expect(namesStartingWith(directory, 'assigned_')).toHaveLength(1);
    expect(namesStartingWith(directory, 'loading_')).toHaveLength(1);
    batch?.consumeAll();
    writer.close();
    reader.close();
  });

  it('close() gives back the rows of claimed batches, keeping their turn', () => {
    const directory = queue();
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: 5, ...quiet });
    for (let n = 0; n < 15; n++) void writer.add({ n });
    writer.close();
    const first = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    const untouched = first.claim();
    const partly = first.claim();
    expect(untouched?.key).toBeDefined();
    partly?.consume(partly.rows.slice(0, 2) as BatchRow<{ n: number }>[]);
    first.close();
    expect(existsSync(untouched?.path ?? '')).toBe(false);
    const second = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    expect(readAll(second)).toEqual([0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14]);
    second.close();
  });
});
