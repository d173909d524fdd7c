import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import { FileQueueReader, FileQueueWriter } from '@conveyor/file';
import type { Logger } from '@conveyor/core';
import { namesStartingWith, quiet, useTempQueues } from './helpers.js';

describe('writer backpressure (maxAvailFiles)', () => {
  const queue = useTempQueues();

  it("'wait': when full, the writer is not active and add() waits until a reader makes room; nothing is lost", async () => {
    const directory = queue();
    const clock = new ManualClock();
    const writer = new FileQueueWriter<number>({ directory, maxRowsPerBatch: 10, maxAvailFiles: 2, pollInterval: 10, clock, ...quiet });
    for (let n = 0; n < 20; n++) expect(writer.add(n)).toBeUndefined();
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(2);
    expect(writer.active).toBe(false);
    // The open batch still fills up to maxRowsPerBatch, but does not become available.
    for (let n = 20; n < 30; n++) expect(writer.add(n)).toBeUndefined();
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(2);
    let added = false;
    const waiting = writer.add(30);
    expect(waiting).toBeInstanceOf(Promise);
    void waiting?.then(() => (added = true));
    let readied = false;
    void writer.ready().then(() => (readied = true));
    // Ten looks at the folder, all full.
    await clock.advance(100);
    expect(added).toBe(false);
    expect(readied).toBe(false);
    expect(writer.pending).toBe(11);

    const reader = new FileQueueReader<number>({ directory, clock, ...quiet });
    const seen: number[] = [];
    const take = (): boolean => {
      const batch = reader.claim();
      if (batch === undefined) return false;
      for (const row of batch) seen.push(row.body);
      batch.consumeAll();
      return true;
    };
    take();
    await clock.advance(9);
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(1);
    // The next look finds room for one: the full batch goes first, then the queue is full again.
    await clock.advance(1);
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(2);
    expect(added).toBe(false);
    expect(writer.active).toBe(false);
    take();
    await clock.advance(10);
    expect(added).toBe(true);
    expect(readied).toBe(true);
    expect(writer.active).toBe(true);
    writer.close();
    while (take());
    expect(seen).toEqual(Array.from({ length: 31 }, (_, n) => n));
    expect(writer.dropped).toBe(0);
    reader.close();
  });

  it("'drop': when full, add() drops and counts the items, with one warning, until there is room again", async () => {
    const directory = queue();
    const clock = new ManualClock();
    const warn = vi.fn();
    const logger: Logger = { ...quiet.logger, warn };
    const writer = new FileQueueWriter<number>({
      directory,
      maxRowsPerBatch: 5,
      maxAvailFiles: 1,
      onFull: 'drop',
      pollInterval: 10,
      clock,
      logger,
    });
    for (let n = 0; n < 10; n++) void writer.add(n); // one available batch, one full open batch
    expect(writer.active).toBe(false);
    for (let n = 10; n < 14; n++) expect(writer.add(n)).toBeUndefined();
    expect(writer.dropped).toBe(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[1])).toMatch(/dropping/);

    const reader = new FileQueueReader<number>({ directory, clock, ...quiet });
    reader.claim()?.consumeAll();
    await clock.advance(10);
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(1);
    reader.claim()?.consumeAll();
    await clock.advance(10);
    expect(writer.active).toBe(true);
    void writer.add(100);
    writer.close();
    const batch = reader.claim();
    expect(batch?.rows.map((row) => row.body)).toEqual([100]);
    batch?.consumeAll();
    expect(writer.dropped).toBe(4);
    // When room came back, the count of dropped items was reported.
    expect(warn.mock.calls.some(([context]) => (context as { dropped?: number }).dropped === 4)).toBe(true);
    reader.close();
  });

  it('ready() rejects when its signal aborts; flush() makes waiting items available even when full', async () => {
    const directory = queue();
    const clock = new ManualClock();
    const writer = new FileQueueWriter<number>({ directory, maxRowsPerBatch: 2, maxAvailFiles: 1, pollInterval: 10, clock, ...quiet });
    void writer.add(0);
    void writer.add(1);
    expect(writer.active).toBe(false);
    const controller = new AbortController();
    const ready = writer.ready(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(ready).rejects.toThrow('gave up');
    void writer.add(2);
    void writer.add(3);
    const waiting = writer.add(4);
    writer.flush();
    await waiting;
    expect(namesStartingWith(directory, 'avail_')).toHaveLength(3);
    expect(writer.pending).toBe(0);
    writer.close();
    // Closed: no poll is left pending.
    expect(clock.pending).toBe(0);
  });
});
