import { describe, expect, it } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import { FileQueueReader, FileQueueWriter } from '@conveyor/file';
import { namesStartingWith, quiet, useTempQueues } from './helpers.js';

describe('maxBatchAge', () => {
  const queue = useTempQueues();

  it('a slow trickle still reaches readers: a batch becomes available maxBatchAge after its first row', async () => {
    const directory = queue();
    const clock = new ManualClock();
    const writer = new FileQueueWriter<string>({ directory, maxRowsPerBatch: 1000, maxBatchAge: 100, clock, ...quiet });
    void writer.add('a');
    await clock.advance(60);
    void writer.add('b');
    await clock.advance(39);
    expect(namesStartingWith(directory, 'avail_')).toEqual([]);
    await clock.advance(1);
    // 100 ms after its first row, not its last.
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(1);
    expect(writer.pending).toBe(0);
    void writer.add('c');
    await clock.advance(99);
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(1);
    await clock.advance(1);
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(2);
    // No open batch, no timer left behind.
    expect(clock.pending).toBe(0);
    writer.close();

    const reader = new FileQueueReader<string>({ directory, ...quiet });
    const seen: string[] = [];
    for (let batch = reader.claim(); batch !== undefined; batch = reader.claim()) {
      for (const row of batch) seen.push(row.body);
      batch.consumeAll();
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    reader.close();
  });

  it('an aged batch held back while the queue is full becomes available first once there is room', async () => {
    const directory = queue();
    const clock = new ManualClock();
    const writer = new FileQueueWriter<string>({
      directory,
      maxRowsPerBatch: 2,
      maxAvailFiles: 1,
      maxBatchAge: 100,
      pollInterval: 10,
      clock,
      ...quiet,
    });
    void writer.add('a');
    void writer.add('b'); // full: available, and the queue is full
    void writer.add('c');
    await clock.advance(100);
    // Aged, but there is no room: it stays open.
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(1);
    expect(writer.pending).toBe(1);
    const reader = new FileQueueReader<string>({ directory, clock, ...quiet });
    reader.claim()?.consumeAll();
    await clock.advance(10);
    expect(writer.pending).toBe(0);
    expect(reader.claim()?.rows.map((row) => row.body)).toEqual(['c']);
    writer.close();
    reader.close();
  });
});
