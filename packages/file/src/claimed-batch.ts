import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@conveyor/core';
import type { BatchKeyGenerator } from './batch-key-generator.js';
import { availName } from './batch-name.js';
import { deadLetterFolder } from './dead-letters.js';
import { syncDirectory } from './queue-folder.js';
import type { RowToWrite, StoredRow } from './sqlite-batch.js';
import { removeBatchFile, writeBatch } from './sqlite-batch.js';
import type { Synchronous } from './synchronous-option.js';

/** One row of a claimed batch, as a reader hands it out. */
export interface BatchRow<T> {
  /**
   * The message's identity, stable across deliveries: `<batch key>:<index>` of the
   * batch it was first written to, kept when it is written again (failed, given back).
   */
  readonly id: string;
  /** Position in this batch file, from 0. */
  readonly index: number;
  /** The item given to `writer.add()`. */
  readonly body: T;
  /** Deliveries of this row so far, this one included: 1, then one more after each failure. */
  readonly receiveCount: number;
}

/** What a batch needs from the reader that claimed it. */
export interface BatchContext {
  readonly directory: string;
  readonly owner: string;
  readonly keys: BatchKeyGenerator;
  readonly synchronous: Synchronous;
  readonly maxReceiveCount: number;
  readonly logger: Logger;
  /** The batch is settled or given back; the reader forgets it. */
  readonly onDone: (batch: ClaimedBatch<unknown>) => void;
  /** Deletes a finished batch file off the main thread (the reader finishes pending deletes at close). */
  readonly remove: (path: string) => void;
  readonly onDeadLetter: (info: { file: string; rows: number }) => void;
}

const pending = 0;
const consumed = 1;
const failed = 2;

/**
 * A batch file a reader claimed (renamed `assigned_<owner>_<key>.db`): its rows
 * in order, and what became of each. When every row is consumed or failed, the
 * failed ones are written back as a new available batch (at the back of the
 * queue) and only then the file is deleted. If the process dies first, recovery
 * gives the whole file back: rows may come twice, never zero times.
 */
export class ClaimedBatch<T> implements Iterable<BatchRow<T>> {
  /** The batch key, `<time>_<sequence>_<tag>`. */
  readonly key: string;
  /** Path of the claimed file. */
  readonly path: string;
  /** The rows, in the order they were added. */
  readonly rows: readonly BatchRow<T>[];
  readonly #stored: readonly StoredRow[];
  readonly #context: BatchContext;
  readonly #states: Uint8Array;
  #settled = 0;
  #failed: number[] = [];
  #reasons: string[] = [];
  #done = false;

  /** @internal Made by `FileQueueReader.claim()`. */
  constructor(context: BatchContext, key: string, path: string, rows: BatchRow<T>[], stored: readonly StoredRow[]) {
    this.#context = context;
    this.key = key;
    this.path = path;
    this.rows = rows;
    this.#stored = stored;
    this.#states = new Uint8Array(rows.length);
  }

  /** Number of rows. */
  get size(): number {
    return this.rows.length;
  }

  /** Rows neither consumed nor failed yet. */
  get remaining(): number {
    return this.#done ? 0 : this.rows.length - this.#settled;
  }

  /** True once the batch is finished (every row settled) or given back. */
  get done(): boolean {
    return this.#done;
  }

  [Symbol.iterator](): Iterator<BatchRow<T>> {
    return this.rows[Symbol.iterator]();
  }

  /** Marks rows consumed. Settling a row twice, or after the batch is done, does nothing. */
  consume(rows: Iterable<BatchRow<T>>): void {
    for (const row of rows) this.#settle(this.#indexOf(row), consumed, undefined);
  }

  /** Marks every row not settled yet consumed. */
  consumeAll(): void {
    for (let index = 0; index < this.#states.length && !this.#done; index++) {
      if (this.#states[index] === pending) this.#settle(index, consumed, undefined);
    }
  }

  /** Marks rows failed: they go back to the queue (or to `dead/`) when the batch finishes. */
  fail(rows: Iterable<BatchRow<T>>, reason?: unknown): void {
    const message = reason === undefined ? null : describeReason(reason);
    for (const row of rows) this.#settle(this.#indexOf(row), failed, message);
  }

  /**
   * Gives back every row not settled yet, keeping its turn in the queue: the file
   * itself is renamed back to `avail_` when no row was settled, else those rows
   * are written to a new batch sorted where this one was. Failed rows go back as usual.
   */
  giveBack(): void {
    if (this.#done) return;
    this.#done = true;
    const { directory, owner, keys, synchronous } = this.#context;
    try {
      if (this.#settled === 0) {
        renameSync(this.path, join(directory, availName(this.key)));
        if (synchronous === 'full') syncDirectory(directory);
        return;
      }
      const unsettled: RowToWrite[] = [];
      for (let index = 0; index < this.#states.length; index++) {
        if (this.#states[index] !== pending) continue;
        const row = this.#stored[index] as StoredRow;
        unsettled.push({ body: row.body, previousReceives: row.previousReceives, lastError: null, messageId: this.#idOf(index) });
      }
      try {
        if (unsettled.length > 0) writeBatch(directory, owner, keys.giveBack(this.key), unsettled, synchronous);
        this.#writeFailed();
        removeBatchFile(this.path);
      } catch (error) {
        this.#giveBackWhole();
        throw error;
      }
    } finally {
      this.#context.onDone(this);
    }
  }

  #indexOf(row: BatchRow<T>): number {
    const index = row?.index;
    if (typeof index !== 'number' || this.rows[index] !== row) {
      throw new RangeError(`This row is not part of batch ${this.key}`);
    }
    return index;
  }

  #idOf(index: number): string {
    return (this.rows[index] as BatchRow<T>).id;
  }

  #settle(index: number, state: number, reason: string | null | undefined): void {
    if (this.#done || this.#states[index] !== pending) return;
    this.#states[index] = state;
    this.#settled++;
    if (state === failed) {
      this.#failed.push(index);
      this.#reasons.push(reason ?? '');
    }
    if (this.#settled === this.#states.length) this.#finish();
  }

  /** Every row is settled: failed rows go back, then the file goes. */
  #finish(): void {
    this.#done = true;
    try {
      this.#writeFailed();
      this.#context.remove(this.path);
    } catch (error) {
      this.#giveBackWhole();
      throw error;
    } finally {
      this.#context.onDone(this);
    }
  }

  /**
   * Writing the failed rows back failed (disk full?): the whole file goes back
   * instead, consumed rows included, rather than wait for this process to end.
   */
  #giveBackWhole(): void {
    try {
      renameSync(this.path, join(this.#context.directory, availName(this.key)));
    } catch (error) {
      this.#context.logger.error(
        { err: error, file: this.path },
        'file queue: cannot give a batch back; it comes back when this process ends',
      );
    }
  }

  #writeFailed(): void {
    if (this.#failed.length === 0) return;
    const { directory, owner, keys, synchronous, maxReceiveCount, logger } = this.#context;
    const retry: RowToWrite[] = [];
    const dead: RowToWrite[] = [];
    for (let position = 0; position < this.#failed.length; position++) {
      const index = this.#failed[position] as number;
      const stored = this.#stored[index] as StoredRow;
      // previousReceives + 1 is the number of deliveries so far.
      const row: RowToWrite = {
        body: stored.body,
        previousReceives: stored.previousReceives + 1,
        lastError: this.#reasons[position] || null,
        messageId: this.#idOf(index),
      };
      (row.previousReceives >= maxReceiveCount ? dead : retry).push(row);
    }
    if (retry.length > 0) writeBatch(directory, owner, keys.next(), retry, synchronous);
    if (dead.length > 0) {
      const folder = join(directory, deadLetterFolder);
      mkdirSync(folder, { recursive: true });
      const file = join(folder, writeBatch(folder, owner, keys.next(), dead, synchronous));
      logger.warn(
        { file, rows: dead.length, maxReceiveCount },
        'file queue: rows failed maxReceiveCount times went to the dead-letter folder',
      );
      this.#context.onDeadLetter({ file, rows: dead.length });
    }
    this.#failed = [];
    this.#reasons = [];
  }
}

/** A failure reason as stored with the row. */
function describeReason(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}
