import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { isPoison, isUncharged, traceContextFromText } from '@conveyor/core/kit';
import { availName } from './batch-name.js';
import type { FailedRowsContext } from './failed-rows.js';
import { writeFailedRows } from './failed-rows.js';
import { syncDirectory } from './queue-folder.js';
import type { RowToWrite, StoredRow } from './sqlite-batch.js';
import type { TraceCarrier } from '@conveyor/core';
import { removeBatchFile, writeBatch } from './sqlite-batch.js';

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
export interface BatchContext extends FailedRowsContext {
  /** The batch is settled or given back; the reader forgets it. */
  readonly onDone: (batch: ClaimedBatch<unknown>) => void;
  /** Deletes a finished batch file off the main thread (the reader finishes pending deletes at close). */
  readonly remove: (path: string) => void;
}

// What became of each row.
const pending = 0;
const consumed = 1;
/** Failed and charged: to a retry batch or the dead letters. */
const failed = 2;
/** Failed uncharged (the handler never received it): given back at once, not counted. */
const returned = 3;

/**
 * A batch file a reader claimed (renamed `assigned_<owner>_<key>.db`): its rows
 * in order, and what became of each. When every row is settled, the file is
 * deleted after its unfinished rows were written elsewhere: rows failed
 * *uncharged* (`isUncharged(reason)`: the handler never received them) go back
 * at once, in their turn, without counting a receive; rows failed otherwise go
 * to a retry batch due after their backoff, or to the dead letters after
 * `maxReceiveCount` receives (see `writeFailedRows`). If the process dies first,
 * recovery gives the whole file back: rows may come twice, never zero times.
 */
export class ClaimedBatch<T> implements Iterable<BatchRow<T>> {
  /** The batch key, `<time>_<sequence>_<tag>`. */
  readonly key: string;
  /** Path of the claimed file. */
  readonly path: string;
  /** The rows, in the order they were added. */
  readonly rows: readonly BatchRow<T>[];
  /** Rows failed with a poison reason (`isPoison`): dead-lettered whatever their receive count. */
  readonly #poison = new Set<number>();
  readonly #stored: readonly StoredRow[];
  readonly #context: BatchContext;
  readonly #states: Uint8Array;
  /** Receives counted per row: those before this claim, plus expired deliveries of a `FileSource`. */
  readonly #receives: Uint32Array;
  #receivesCounted = false;
  #settled = 0;
  /** Rows consumed or failed charged: the file can no longer go back whole. */
  #decided = 0;
  #failed: number[] = [];
  #reasons: Array<string | null> = [];
  #done = false;

  /** @internal Made by `FileQueueReader.claim()`. */
  constructor(context: BatchContext, key: string, path: string, rows: BatchRow<T>[], stored: readonly StoredRow[]) {
    this.#context = context;
    this.key = key;
    this.path = path;
    this.rows = rows;
    this.#stored = stored;
    this.#states = new Uint8Array(rows.length);
    // A loop, not Uint32Array.from(stored, map): that builds an array of the values first, per batch.
    const receives = new Uint32Array(stored.length);
    for (let index = 0; index < stored.length; index++) receives[index] = (stored[index] as StoredRow).previousReceives;
    this.#receives = receives;
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
    for (const row of rows) this.#settle(this.#indexOf(row), consumed, null);
  }

  /** Marks every row not settled yet consumed. */
  consumeAll(): void {
    for (let index = 0; index < this.#states.length && !this.#done; index++) {
      if (this.#states[index] === pending) this.#settle(index, consumed, null);
    }
  }

  /**
   * Marks rows failed. When `isUncharged(reason)` (the handler never received
   * them) they go back at once, in their turn, and the delivery is not counted;
   * otherwise the failure counts as a receive, and they go to a retry batch due
   * after their backoff, or to `dead/` after `maxReceiveCount` receives (at once
   * when `isPoison(reason)`: they can never be handled). Written when the batch finishes.
   */
  fail(rows: Iterable<BatchRow<T>>, reason?: unknown): void {
    if (isUncharged(reason)) {
      for (const row of rows) this.#settle(this.#indexOf(row), returned, null);
      return;
    }
    const message = reason === undefined ? null : describeReason(reason);
    const poison = isPoison(reason);
    for (const row of rows) {
      const index = this.#indexOf(row);
      if (poison) this.#poison.add(index);
      this.#settle(index, failed, message);
    }
  }

  /**
   * Gives back every row not settled yet, keeping its turn in the queue: the file
   * itself is renamed back to `avail_` when no row was consumed or failed, else
   * those rows are written to a new batch sorted where this one was. Failed rows
   * go where they go when the batch finishes.
   */
  giveBack(): void {
    if (this.#done) return;
    this.#done = true;
    try {
      if (this.#untouched()) {
        this.#renameBack();
        return;
      }
      try {
        this.#writeRowsElsewhere(true);
        removeBatchFile(this.path);
      } catch (error) {
        this.#giveBackWhole();
        throw error;
      }
    } finally {
      this.#context.onDone(this);
    }
  }

  /** The trace context row `index` was written with (`FileQueueWriter`'s `traceContext`), if any. */
  traceContextOf(index: number): TraceCarrier | undefined {
    return traceContextFromText(this.#stored[index]?.traceContext);
  }

  /** @internal The receive count of the next delivery of row `index` (a `FileSource` delivers a row again after its visibility expired). */
  receiveCountOf(index: number): number {
    return (this.#receives[index] as number) + 1;
  }

  /** @internal Counts a receive of row `index` that was neither consumed nor failed: its visibility expired. */
  countExpiredDelivery(index: number): void {
    this.#receives[index] = (this.#receives[index] as number) + 1;
    this.#receivesCounted = true;
  }

  #indexOf(row: BatchRow<T>): number {
    const index = row?.index;
    if (typeof index !== 'number' || this.rows[index] !== row) {
      throw new RangeError(`This row is not part of batch ${this.key}`);
    }
    return index;
  }

  #settle(index: number, state: number, reason: string | null): void {
    if (this.#done || this.#states[index] !== pending) return;
    this.#states[index] = state;
    this.#settled++;
    if (state !== returned) this.#decided++;
    if (state === failed) {
      this.#failed.push(index);
      this.#reasons.push(reason);
    }
    if (this.#settled === this.#states.length) this.#finish();
  }

  /** Every row is settled: the unfinished ones are written elsewhere, then the file goes. */
  #finish(): void {
    this.#done = true;
    try {
      if (this.#untouched()) this.#renameBack();
      else {
        this.#writeRowsElsewhere(false);
        this.#context.remove(this.path);
      }
    } catch (error) {
      this.#giveBackWhole();
      throw error;
    } finally {
      this.#context.onDone(this);
    }
  }

  /** No row was consumed or failed charged, and no receive was counted: the file can go back as it is. */
  #untouched(): boolean {
    return this.#decided === 0 && !this.#receivesCounted;
  }

  #renameBack(): void {
    const { directory, synchronous } = this.#context;
    renameSync(this.path, join(directory, availName(this.key)));
    if (synchronous === 'full') syncDirectory(directory);
  }

  /**
   * Rows returned uncharged (and, when giving back, the unsettled ones) go to a
   * batch that sorts where this one was; failed rows to a retry batch or `dead/`.
   */
  #writeRowsElsewhere(withUnsettled: boolean): void {
    const again: RowToWrite[] = [];
    for (let index = 0; index < this.#states.length; index++) {
      const state = this.#states[index];
      if (state === returned || (withUnsettled && state === pending)) again.push(this.#rowToWrite(index, 0, null));
    }
    const { directory, owner, keys, synchronous } = this.#context;
    if (again.length > 0) writeBatch(directory, owner, keys.giveBack(this.key), again, synchronous);
    if (this.#failed.length > 0) {
      // The failed delivery counts as a receive.
      const failedRows = this.#failed.map((index, position) => this.#rowToWrite(index, 1, this.#reasons[position] ?? null));
      writeFailedRows(this.#context, failedRows);
    }
  }

  #rowToWrite(index: number, newReceives: number, lastError: string | null): RowToWrite {
    return {
      body: (this.#stored[index] as StoredRow).body,
      previousReceives: (this.#receives[index] as number) + newReceives,
      lastError,
      messageId: (this.rows[index] as BatchRow<T>).id,
      traceContext: (this.#stored[index] as StoredRow).traceContext,
      ...(this.#poison.has(index) ? { poison: true } : {}),
    };
  }

  /**
   * Writing the rows elsewhere failed (disk full?): the whole file goes back
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
}

/** A failure reason as stored with the row. */
function describeReason(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}
