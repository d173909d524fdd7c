import { unlink } from 'node:fs';
import { TypedEmitter, handleBulk, isUncharged } from '@conveyor/core/kit';
import type { Handler } from '@conveyor/core';
import { AvailableBatches } from './available-batches.js';
import { claimBatchFile } from './batch-claim.js';
import { BatchKeyGenerator } from './batch-key-generator.js';
import type { BatchContext, BatchRow } from './claimed-batch.js';
import { ClaimedBatch } from './claimed-batch.js';
import type { DeadLetterReport } from './dead-letters.js';
import { ReaderClosedError } from './errors/reader-closed-error.js';
import type { FileQueueReaderOptions, ResolvedFileQueueReaderOptions } from './file-queue-reader-options.js';
import { resolveFileQueueReaderOptions } from './file-queue-reader-options.js';
import { currentOwner } from './process-identity.js';
import type { CorruptReport } from './quarantine.js';
import type { RecoveryReport } from './recovery.js';
import { recoverBatches } from './recovery.js';
import { removeBatchFile } from './sqlite-batch.js';

/** Events of a `FileQueueReader`. A throwing listener is logged, never breaks the reader. */
export interface FileQueueReaderEvents {
  /** A batch file could not be read; it was moved to `corrupt/` with this report. */
  corrupt: [report: CorruptReport];
  /** A recovery pass gave back or removed files of dead processes. */
  recovered: [report: RecoveryReport];
  /** Rows received `maxReceiveCount` times were written to `dead/`. */
  deadLetter: [report: DeadLetterReport];
}

/** What `process()` did with one batch. */
export interface ProcessedBatch {
  readonly key: string;
  readonly size: number;
  readonly consumed: number;
  /** Rows failed and charged: to a retry batch, or to the dead letters. */
  readonly failed: number;
  /** Rows the handler never received (not taken from the bulk): given back at once, not counted. */
  readonly returned: number;
}

/**
 * The dequeue side of the file queue. `claim()` takes the oldest available batch
 * by renaming it to `assigned_<owner>_<key>.db` (the rename is the lock: of two
 * readers, one wins and the other gets ENOENT and tries the next), and reads its
 * rows. Recovery runs at construction and every `recoverInterval`; retry
 * batches become available once due.
 *
 * ```ts
 * const reader = new FileQueueReader<{ id: number }>({ directory: '/var/queue' });
 * await reader.process((bulk) => { for (const row of bulk) handle(row.body); });
 * ```
 */
export class FileQueueReader<T = unknown> extends TypedEmitter<FileQueueReaderEvents> {
  readonly #options: ResolvedFileQueueReaderOptions;
  readonly #owner = currentOwner();
  readonly #claimed = new Set<ClaimedBatch<unknown>>();
  readonly #available: AvailableBatches;
  readonly #context: BatchContext;
  /** Finished batch files being deleted. */
  readonly #removing = new Set<string>();
  #nextRecovery = 0;
  #closed = false;

  constructor(options: FileQueueReaderOptions) {
    const resolved = resolveFileQueueReaderOptions(options);
    super((error, event) => resolved.logger.error({ err: error, event }, 'a FileQueueReader event listener threw'));
    this.#options = resolved;
    const { directory, synchronous, maxReceiveCount, retryBackoff, clock, logger } = resolved;
    this.#available = new AvailableBatches(directory, clock);
    this.#context = {
      directory,
      owner: this.#owner,
      keys: new BatchKeyGenerator(clock),
      synchronous,
      maxReceiveCount,
      retryBackoff,
      clock,
      logger,
      onDone: (batch) => this.#claimed.delete(batch),
      remove: (path) => this.#remove(path),
      onRetryScheduled: (due) => this.#available.retryScheduled(due),
      onDeadLetter: (report) => this.emit('deadLetter', report),
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
      const name = this.#available.next();
      if (name === undefined) {
        // The cached listing is used up: look again, once per call.
        if (listed || this.#available.list() === 0) return undefined;
        listed = true;
        continue;
      }
      const batch = this.#tryClaim(name);
      if (batch !== undefined) return batch;
    }
  }

  /**
   * Claims one batch and runs `handler` on it with the core iterator protocol:
   * rows taken before the handler throws are consumed; the one it held and those
   * not taken fail, as do rows marked with `bulk.fail()`. Rows the handler never
   * received go back at once; failed rows go to a retry batch (or the dead
   * letters). Resolves `undefined` when no batch is available.
   */
  async process(handler: Handler<BatchRow<T>>): Promise<ProcessedBatch | undefined> {
    const batch = this.claim();
    if (batch === undefined) return undefined;
    const settlement = await handleBulk(handler, batch.rows);
    let failed = 0;
    let returned = 0;
    batch.consume(settlement.consumed);
    for (const group of settlement.failed) {
      if (isUncharged(group.error)) returned += group.messages.length;
      else failed += group.messages.length;
      batch.fail(group.messages, group.error);
    }
    return { key: batch.key, size: batch.size, consumed: settlement.consumed.length, failed, returned };
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
      this.emit('recovered', report);
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
    const outcome = claimBatchFile<T>(this.#options.directory, this.#owner, name);
    if (outcome === undefined) return undefined;
    if ('corrupt' in outcome) {
      this.#reportCorrupt(outcome.corrupt);
      return undefined;
    }
    const { key, path, rows, stored } = outcome.claimed;
    const batch = new ClaimedBatch<T>(this.#context, key, path, rows, stored);
    this.#claimed.add(batch);
    return batch;
  }

  #reportCorrupt(report: CorruptReport): void {
    this.#options.logger.error(
      { file: report.file, movedTo: report.movedTo, reason: report.reason },
      'file queue: corrupt batch file moved aside',
    );
    this.emit('corrupt', report);
  }
}
