import { afterEach, describe, expect, it } from 'vitest';
import { FileQueueReader, FileQueueWriter } from '@conveyor/file';
import { namesStartingWith, quiet, tempQueue, until } from './helpers.js';

describe('maxBatchAge', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('a slow trickle still reaches readers: a batch becomes available maxBatchAge after its first row', async () => {
    const made = tempQueue();
    cleanups.push(made.remove);
    const { directory } = made;
    const writer = new FileQueueWriter<string>({ directory, maxEventsPerFile: 1000, maxBatchAge: 100, ...quiet });
    cleanups.push(() => writer.close());
    void writer.add('a');
    void writer.add('b');
    expect(namesStartingWith(directory, 'avail_')).toEqual([]);
    await until(() => namesStartingWith(directory, 'avail_').length === 1, 10_000, 'the aged batch');
    expect(writer.pending).toBe(0);
    void writer.add('c');
    await until(() => namesStartingWith(directory, 'avail_').length === 2, 10_000, 'the second aged batch');

    const reader = new FileQueueReader<string>({ directory, ...quiet });
    const seen: string[] = [];
    for (let batch = reader.claim(); batch !== undefined; batch = reader.claim()) {
      for (const row of batch) seen.push(row.body);
      batch.consumeAll();
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    reader.close();
  });
});
