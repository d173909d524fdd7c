import { describe, expect, it } from 'vitest';
import { FileQueueReader, FileQueueWriter, inspectQueueFolder, listDeadLetters, redriveDeadLetters } from '@conveyor/file';
import { quiet, useTempQueues } from './helpers.js';

describe('redriveDeadLetters() of the file queue', () => {
  const queue = useTempQueues();

  /** Writes `count` rows in batches of `perBatch` and fails each once with maxReceiveCount 1: all go to dead/. */
  function deadRows(directory: string, count: number, perBatch: number): void {
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: perBatch, ...quiet });
    for (let n = 0; n < count; n++) void writer.add({ n });
    writer.close();
    const reader = new FileQueueReader<{ n: number }>({ directory, maxReceiveCount: 1, retryBackoff: false, ...quiet });
    for (let batch = reader.claim(); batch !== undefined; batch = reader.claim()) batch.fail(batch.rows, new Error(`bad ${batch.size}`));
    reader.close();
  }

  /** Every row the queue delivers now, consumed. */
  function drain(directory: string): { n: number; receiveCount: number; id: string }[] {
    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    const rows: { n: number; receiveCount: number; id: string }[] = [];
    for (let batch = reader.claim(); batch !== undefined; batch = reader.claim()) {
      for (const row of batch.rows) rows.push({ n: row.body.n, receiveCount: row.receiveCount, id: row.id });
      batch.consumeAll();
    }
    reader.close();
    return rows;
  }

  it('sends every dead row back exactly once, with its id, a fresh receive count and no dead letters left', () => {
    const directory = queue();
    deadRows(directory, 25, 10);
    const dead = listDeadLetters<{ n: number }>(directory);
    expect(dead).toHaveLength(25);
    expect(dead[0]).toMatchObject({ receiveCount: 1, lastError: 'Error: bad 10' });
    expect(dead[0]?.deadAt).toBeGreaterThan(Date.now() - 60_000);

    expect(redriveDeadLetters(directory)).toBe(25);
    expect(listDeadLetters(directory)).toEqual([]);
    expect(inspectQueueFolder(directory)).toMatchObject({ waiting: 25, deadLetters: 0 });
    const rows = drain(directory);
    expect(rows.map((row) => row.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, n) => n));
    // Ids kept; each starts over (first receive).
    expect(rows.map((row) => row.id).sort()).toEqual(dead.map((letter) => letter.id).sort());
    expect(new Set(rows.map((row) => row.receiveCount))).toEqual(new Set([1]));
    expect(redriveDeadLetters(directory)).toBe(0);
  });

  it('--limit: the oldest N go back, the rest stay dead (a split batch keeps its place and its last errors)', () => {
    const directory = queue();
    deadRows(directory, 25, 10);
    const before = listDeadLetters<{ n: number }>(directory);
    expect(redriveDeadLetters(directory, { limit: 13 })).toBe(13);
    const left = listDeadLetters<{ n: number }>(directory);
    expect(left.map((letter) => letter.id)).toEqual(before.slice(13).map((letter) => letter.id));
    expect(left.map((letter) => letter.lastError)).toEqual(before.slice(13).map((letter) => letter.lastError));
    expect(drain(directory).map((row) => row.id)).toEqual(before.slice(0, 13).map((letter) => letter.id));
    expect(redriveDeadLetters(directory, { limit: 100 })).toBe(12);
    expect(drain(directory).map((row) => row.id)).toEqual(before.slice(13).map((letter) => letter.id));
    expect(listDeadLetters(directory)).toEqual([]);
  });

  it('nothing to do without dead letters; a bad limit is refused', () => {
    const directory = queue();
    expect(redriveDeadLetters(directory)).toBe(0);
    expect(() => redriveDeadLetters(directory, { limit: -1 })).toThrow(/Expected `limit` to be a non-negative integer/);
  });
});
