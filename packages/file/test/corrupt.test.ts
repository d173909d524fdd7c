import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileQueueReader, FileQueueWriter, recoverBatches } from '@conveyor/file';
import type { CorruptReport } from '@conveyor/file';
import { craftBatch, deadOwner, key, names, quiet, tempQueue } from './helpers.js';

describe('corrupt batch files', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('are moved to corrupt/ with a report, never deleted, and the good batches are still read', () => {
    const made = tempQueue();
    cleanups.push(made.remove);
    const { directory } = made;
    // Older than anything the writer makes, so the reader meets them first.
    writeFileSync(join(directory, `avail_${key(1, 1)}.db`), 'this is not an SQLite file'.repeat(200));
    craftBatch(join(directory, `avail_${key(1, 2)}.db`), ['{"n":1}'], 7);
    craftBatch(join(directory, `avail_${key(1, 3)}.db`), ['{"n":1}', '{not json']);
    writeFileSync(join(directory, `avail_${key(1, 4)}.db`), '');
    const writer = new FileQueueWriter<{ n: number }>({ directory, ...quiet });
    void writer.add({ n: 42 });
    writer.close();

    const reader = new FileQueueReader<{ n: number }>({ directory, ...quiet });
    const reports: CorruptReport[] = [];
    reader.on('corrupt', (report) => reports.push(report));
    const batch = reader.claim();
    expect(batch?.rows.map((row) => row.body)).toEqual([{ n: 42 }]);
    batch?.consumeAll();
    expect(reader.claim()).toBeUndefined();
    reader.close();

    expect(reports.map((report) => report.file)).toEqual([1, 2, 3, 4].map((sequence) => `avail_${key(1, sequence)}.db`));
    expect(reports[0]?.reason).toMatch(/not a database/);
    expect(reports[1]?.reason).toMatch(/format version 7/);
    expect(reports[2]?.reason).toMatch(/row 2 is not JSON/);
    expect(names(directory)).toEqual(['corrupt']);
    const moved = readdirSync(join(directory, 'corrupt')).sort();
    for (const report of reports) {
      expect(moved).toContain(report.file);
      expect(moved).toContain(`${report.file}.report.json`);
      const written = JSON.parse(readFileSync(join(directory, 'corrupt', `${report.file}.report.json`), 'utf8')) as CorruptReport;
      expect(written.reason).toBe(report.reason);
    }
  });

  it('a corrupt loading_ file of a dead writer is moved aside by recovery', async () => {
    const made = tempQueue();
    cleanups.push(made.remove);
    const { directory } = made;
    const name = `loading_${await deadOwner()}_${key(5, 5)}.db`;
    writeFileSync(join(directory, name), 'garbage'.repeat(1000));
    const report = recoverBatches(directory);
    expect(report.corrupt.map((entry) => entry.file)).toEqual([name]);
    expect(existsSync(join(directory, 'corrupt', name))).toBe(true);
    expect(existsSync(join(directory, 'corrupt', `${name}.report.json`))).toBe(true);
  });

  it('a throwing corrupt listener does not break the reader', () => {
    const made = tempQueue();
    cleanups.push(made.remove);
    const { directory } = made;
    writeFileSync(join(directory, `avail_${key(1, 1)}.db`), 'x'.repeat(4096));
    const reader = new FileQueueReader({ directory, ...quiet });
    reader.on('corrupt', () => {
      throw new Error('listener bug');
    });
    expect(reader.claim()).toBeUndefined();
    expect(existsSync(join(directory, 'corrupt', `avail_${key(1, 1)}.db`))).toBe(true);
    reader.close();
  });
});
