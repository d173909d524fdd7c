import { EventEmitter } from 'node:events';
import { renameSync, unlink } from 'node:fs';
import { join } from 'node:path';
import { handleBulk } from '@conveyor/core/kit';
import type { Handler } from '@conveyor/core';
import { BatchKeyGenerator } from './batch-key-generator.js';
import { assignedName, parseBatchName } from './batch-name.js';
import type { BatchContext, BatchRow } from './claimed-batch.js';
import { ClaimedBatch } from './claimed-batch.js';
import { CorruptBatchError } from './errors/corrupt-batch-error.js';
import { ReaderClosedError } from './errors/reader-closed-error.js';
import type { FileQueueReaderOptions, ResolvedFileQueueReaderOptions } from './file-queue-reader-options.js';
import { resolveFileQueueReaderOptions } from './file-queue-reader-options.js';
import { currentOwner } from './process-identity.js';
import type { CorruptReport } from './quarantine.js';
import { quarantine } from './quarantine.js';
import { listAvailBatches } from './queue-folder.js';
import type { RecoveryReport } from './recovery.js';
import { recoverBatches } from './recovery.js';
import type { StoredRow } from './sqlite-batch.js';
import { readBatch, removeBatchFile } from './sqlite-batch.js';

/** Events of a `FileQueueReader`. A throwing listener is logged, never breaks the reader. */
export interface FileQueueReaderEvents {
  /** A batch file could not be read; it was moved to `corrupt/` with this report. */
  corrupt: [report: CorruptReport];
  /** A recovery pass gave back or removed files of dead processes. */
  recovered: [report: RecoveryReport];
  /** Rows failed `maxReceiveCount` times were written to `dead/`. */
  deadLetter: [info: { file: string; rows: number }];
}

/** What `process()` did with one batch. */
export interface ProcessedBatch {
  readonly key: string;
  readonly size: number;
  readonly consumed: number;
  readonly failed: number;
}

/**
 * The dequeue side of the file queue. `claim()` takes the oldest available batch
 * by renaming it to `assigned_<owner>_<key>.db` (the rename is the lock: of two
 * readers, one wins and the other gets ENOENT and tries the next), and reads its
 * rows. Recovery runs at construction and every `recoverInterval`.
 *
 * ```ts
 * const reader = new FileQueueReader<{ id: number }>({ directory: '/var/queue' });
 * await reader.process((bulk) => { for (const row of bulk) handle(row.body); });
 * ```
 */
export class FileQueueReader<T = unknown> extends EventEmitter<FileQueueReaderEvents> {
  readonly #options: ResolvedFileQueueReaderOptions;
  readonly #owner = currentOwner();
  readonly #keys: BatchKeyGenerator;
  readonly #claimed = new Set<ClaimedBatch<unknown>>();
  readonly #context: BatchContext;
  /** Finished batch files being deleted. */
  readonly #removing = new Set<string>();
  #candidates: string[] = [];
  #candidateHead = 0;
  #nextRecovery = 0;
  #closed = false;

  constructor(options: FileQueueReaderOptions) {
    super();
    this.#options = resolveFileQueueReaderOptions(options);
    this.#keys = new BatchKeyGenerator(this.#options.clock);
    this.#context = {
      directory: this.#options.directory,
      owner: this.#owner,
      keys: this.#keys,
      synchronous: this.#options.synchronous,
      maxReceiveCount: this.#options.maxReceiveCount,
      logger: this.#options.logger,
      onDone: (batch) => this.#claimed.delete(batch),
      remove: (path) => this.#remove(path),
      onDeadLetter: (info) => this.#emitSafely('deadLetter', () => this.emit('deadLetter', info)),
    };
    this.recover();
  }

  /** The validated options, defaults applied. */
  get options(): ResolvedFileQueueReaderOptions {
    return this.#options;
  }

  /** Batches claimed and not finished or given back yet. */
  get claimed(): number {
    return this.#claimed.size;
  }

  /**
   * Claims the oldest available batch and reads it; `undefined` when none is
   * available. Corrupt files met on the way are moved to `corrupt/` and skipped.
   */
  claim(): ClaimedBatch<T> | undefined {
    if (this.#closed) throw new ReaderClosedError();
    if (this.#options.clock.now() >= this.#nextRecovery) this.recover();
    let listed = false;
    for (;;) {
      if (this.#candidateHead >= this.#candidates.length) {
        // The cached listing is used up: look again, once per call.
        if (listed) return undefined;
        this.#candidates = listAvailBatches(this.#options.directory);
        this.#candidateHead = 0;
        listed = true;
        if (this.#candidates.length === 0) return undefined;
      }
      const batch = this.#tryClaim(this.#candidates[this.#candidateHead++] as string);
      if (batch !== undefined) return batch;
    }
  }

  /**
   * Claims one batch and runs `handler` on it with the core iterator protocol:
   * rows taken before the handler throws are consumed; the one it held and those
   * not taken fail, as do rows marked with `bulk.fail()`. Failed rows go back to
   * the queue. Resolves `undefined` when no batch is available.
   */
  async process(handler: Handler<BatchRow<T>>): Promise<ProcessedBatch | undefined> {
    const batch = this.claim();
    if (batch === undefined) return undefined;
    const settlement = await handleBulk(handler, batch.rows);
    let failed = 0;
    batch.consume(settlement.consumed);
    for (const group of settlement.failed) {
      failed += group.messages.length;
      batch.fail(group.messages, group.error);
    }
    return { key: batch.key, size: batch.size, consumed: settlement.consumed.length, failed };
  }

  /** Runs a recovery pass now: files of dead writers and readers go back to the queue. */
  recover(): RecoveryReport {
    this.#nextRecovery = this.#options.clock.now() + this.#options.recoverInterval;
    const report = recoverBatches(this.#options.directory);
    for (const corrupt of report.corrupt) this.#reportCorrupt(corrupt);
    if (report.returned.length > 0 || report.removed.length > 0) {
      this.#options.logger.info(
        { directory: this.#options.directory, returned: report.returned.length, removed: report.removed.length },
        'file queue: recovered the files of dead processes',
      );
      this.#emitSafely('recovered', () => this.emit('recovered', report));
    }
    return report;
  }

  /** Gives back every batch still claimed (their unsettled rows keep their turn) and stops. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Boxed so that whatever was thrown first is rethrown as is.
    let first: { error: unknown } | undefined;
    for (const batch of [...this.#claimed]) {
      try {
        batch.giveBack();
      } catch (error) {
        // The file stays assigned to this process; recovery gives it back once the process is gone.
        first ??= { error };
        this.#options.logger.error({ err: error, file: batch.path }, 'file queue: giving a batch back failed');
      }
    }
    // A finished batch must not outlive its reader, or recovery would deliver it again.
    for (const path of this.#removing) {
      try {
        removeBatchFile(path);
      } catch (error) {
        first ??= { error };
      }
    }
    this.#removing.clear();
    if (first !== undefined) throw first.error;
  }

  /**
   * Deletes a finished batch file without blocking: an unlink can take milliseconds
   * (ext4 with online discard). Until it is gone the file is still `assigned_` to this
   * live process, so no one reads it again; if the process dies first, its rows come
   * back (at-least-once).
   */
  #remove(path: string): void {
    this.#removing.add(path);
    unlink(path, (error) => {
      this.#removing.delete(path);
      if (error !== null && error.code !== 'ENOENT') {
        this.#options.logger.error(
          { err: error, file: path },
          'file queue: deleting a finished batch failed; it is delivered again after this process ends',
        );
      }
    });
  }

  #tryClaim(name: string): ClaimedBatch<T> | undefined {
    const parsed = parseBatchName(name);
    if (parsed === undefined) return undefined;
    const directory = this.#options.directory;
    const path = join(directory, assignedName(this.#owner, parsed.key));
    try {
      renameSync(join(directory, name), path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // another reader was faster
      throw error;
    }
    let stored: StoredRow[];
    let rows: BatchRow<T>[];
    try {
      stored = readBatch(path);
      rows = decodeRows<T>(path, parsed.key, stored);
    } catch (error) {
      if (!(error instanceof CorruptBatchError)) {
        // Not the file's fault (I/O, too many open files): put it back for a later try.
        renameSync(path, join(directory, name));
        throw error;
      }
      this.#reportCorrupt(quarantine(directory, path, error, name));
      return undefined;
    }
    if (rows.length === 0) {
      removeBatchFile(path);
      return undefined;
    }
    const batch = new ClaimedBatch<T>(this.#context, parsed.key, path, rows, stored);
    this.#claimed.add(batch);
    return batch;
  }

  #reportCorrupt(report: CorruptReport): void {
    this.#options.logger.error(
      { file: report.file, movedTo: report.movedTo, reason: report.reason },
      'file queue: corrupt batch file moved aside',
    );
    this.#emitSafely('corrupt', () => this.emit('corrupt', report));
  }

  /** Runs an emit: a throwing listener is logged and never breaks the reader. */
  #emitSafely(event: keyof FileQueueReaderEvents, emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.#options.logger.error({ err: error, event }, 'a FileQueueReader event listener threw');
    }
  }
}

function decodeRows<T>(path: string, key: string, stored: readonly StoredRow[]): BatchRow<T>[] {
  const rows = new Array<BatchRow<T>>(stored.length);
  for (let index = 0; index < stored.length; index++) {
    const row = stored[index] as StoredRow;
    let body: T;
    try {
      body = JSON.parse(row.body) as T;
    } catch (error) {
      throw new CorruptBatchError(path, `row ${row.rowId} is not JSON`, { cause: error });
    }
    rows[index] = { id: row.messageId ?? `${key}:${index}`, index, body, receiveCount: row.previousReceives + 1 };
  }
  return rows;
}
