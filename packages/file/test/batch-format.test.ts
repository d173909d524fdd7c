import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FileQueueReader, FileQueueWriter } from '@conveyor/file';
import { craftBatch, key, quiet, useTempQueues } from './helpers.js';

describe('the batch file format', () => {
  const queue = useTempQueues();

  it('reads a batch written before rows carried their id (no message_id column): ids are <key>:<index>', () => {
    const directory = queue();
    craftBatch(join(directory, `avail_${key(1, 1)}.db`), ['{"n":1}', '{"n":2}']);
    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    const batch = reader.claim();
    expect(batch?.rows.map((row) => [row.id, row.index, row.body.n, row.receiveCount])).toEqual([
      [`${key(1, 1)}:0`, 0, 1, 1],
      [`${key(1, 1)}:1`, 1, 2, 1],
    ]);
    batch?.consumeAll();
    reader.close();
  });

  it('a row written again (given back) keeps its id in the new batch file', () => {
    const directory = queue();
    const writer = new FileQueueWriter<number>({ directory, ...quiet });
    for (let n = 0; n < 3; n++) void writer.add(n);
    writer.close();
    const first = new FileQueueReader<number>({ directory, ...quiet });
    const batch = first.claim();
    const ids = batch?.rows.map((row) => row.id) ?? [];
    expect(ids).toEqual([0, 1, 2].map((index) => `${batch?.key}:${index}`));
    batch?.consume(batch.rows.slice(0, 1));
    first.close();

    const second = new FileQueueReader<number>({ directory, ...quiet });
    const again = second.claim();
    expect(again?.key).not.toBe(batch?.key);
    expect(again?.rows.map((row) => [row.id, row.index, row.body])).toEqual([
      [ids[1], 0, 1],
      [ids[2], 1, 2],
    ]);
    again?.consumeAll();
    second.close();
  });
});
