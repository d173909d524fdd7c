import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileQueueWriter } from '@conveyor/file';
import { names, quiet, runFixture, tempQueue } from './helpers.js';

// Writers and readers in separate processes, sharing nothing but the folder.
describe('writer and readers in separate processes', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function workspace(): { queue: string; out: (name: string) => string; stop: string; go: string } {
    const queue = tempQueue();
    const files = tempQueue();
    cleanups.push(queue.remove, files.remove);
    return {
      queue: queue.directory,
      out: (name) => join(files.directory, name),
      stop: join(files.directory, 'stop'),
      go: join(files.directory, 'go'),
    };
  }

  it('a reader process gets, in order, every row a writer process writes while it reads', async () => {
    const { queue, out, stop, go } = workspace();
    writeFileSync(go, '');
    const reader = runFixture('read-until-stopped.ts', [queue, out('reader.json'), stop, go]);
    const writer = runFixture('write-rows.ts', [queue, '0', '5000', '100']);
    expect(await writer.line('done')).toBe('done 5000 50');
    expect(await writer.exited).toBe(0);
    writeFileSync(stop, '');
    expect(await reader.exited).toBe(0);
    const consumed = JSON.parse(readFileSync(out('reader.json'), 'utf8')) as number[];
    // One writer, one reader: batches go in creation order, rows in batch order.
    expect(consumed).toEqual(Array.from({ length: 5000 }, (_, n) => n));
    expect(names(queue)).toEqual([]);
  });

  it('two reader processes share 100,000 rows: every row exactly once', async () => {
    const { queue, out, stop, go } = workspace();
    const total = 100_000;
    const writer = new FileQueueWriter<{ n: number }>({
      directory: queue,
      maxRowsPerBatch: 500,
      maxAvailFiles: Number.POSITIVE_INFINITY,
      ...quiet,
    });
    for (let n = 0; n < total; n++) void writer.add({ n });
    writer.close();
    writeFileSync(stop, ''); // everything is written: readers stop when the folder is empty
    const readers = [0, 1].map((index) => runFixture('read-until-stopped.ts', [queue, out(`reader-${index}.json`), stop, go]));
    await Promise.all(readers.map((reader) => reader.line('ready')));
    writeFileSync(go, '');
    expect(await Promise.all(readers.map((reader) => reader.exited))).toEqual([0, 0]);

    const shares = [0, 1].map((index) => JSON.parse(readFileSync(out(`reader-${index}.json`), 'utf8')) as number[]);
    const seen = new Uint8Array(total);
    let duplicates = 0;
    for (const share of shares) {
      for (const n of share) {
        if (seen[n] === 1) duplicates++;
        seen[n] = 1;
      }
    }
    expect(duplicates).toBe(0);
    expect(seen.every((flag) => flag === 1)).toBe(true);
    expect(shares[0]!.length + shares[1]!.length).toBe(total);
    // Both worked: the rename hands each batch to exactly one of them.
    expect(shares[0]!.length).toBeGreaterThan(0);
    expect(shares[1]!.length).toBeGreaterThan(0);
    expect(names(queue)).toEqual([]);
  });
});
