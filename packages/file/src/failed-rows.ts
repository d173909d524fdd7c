import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@conveyor/core';
import { backoffDelay } from '@conveyor/core/kit';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import type { BatchKeyGenerator } from './batch-key-generator.js';
import { keyTime, retryName } from './batch-name.js';
import { deadLetterFolder } from './dead-letters.js';
import type { DeadLetterReport } from './dead-letters.js';
import type { RowToWrite } from './sqlite-batch.js';
import { writeBatch } from './sqlite-batch.js';
import type { Synchronous } from './synchronous-option.js';

/** What writing failed rows needs from the reader. */
export interface FailedRowsContext {
  readonly directory: string;
  readonly owner: string;
  readonly keys: BatchKeyGenerator;
  readonly synchronous: Synchronous;
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A retry batch was written that falls due at `due` (the reader looks for it then). */
  readonly onRetryScheduled: (due: number) => void;
  readonly onDeadLetter: (report: DeadLetterReport) => void;
}

/**
 * Where failed rows go; `previousReceives` of each already counts the failed
 * delivery. A row received `maxReceiveCount` times goes to the dead letters
 * (`dead/`, an ordinary batch folder, with its last error). The others go to a
 * retry batch `retry_<key>.db` whose key's time is when they fall due: now plus
 * `backoffDelay(receives, retryBackoff)`, one draw of jitter for the rows of one
 * receive count. A reader renames it `avail_` once due, so a failed row never
 * comes back before its backoff; it then sorts among the batches made at that
 * time (the back of the queue). With `retryBackoff: false` (or a zero delay)
 * they go straight to a new `avail_` batch at the back of the queue.
 * Why retry batches: docs/adr/0004-file-queue-retry-batches.md.
 */
export function writeFailedRows(context: FailedRowsContext, rows: readonly RowToWrite[]): void {
  const retry = new Map<number, RowToWrite[]>();
  const dead: RowToWrite[] = [];
  for (const row of rows) {
    if (row.poison === true || row.previousReceives >= context.maxReceiveCount) dead.push(row);
    else {
      const group = retry.get(row.previousReceives);
      if (group === undefined) retry.set(row.previousReceives, [row]);
      else group.push(row);
    }
  }
  for (const [receives, group] of retry) writeRetryBatch(context, receives, group);
  if (dead.length > 0) writeDeadLetters(context, dead);
}

function writeRetryBatch(context: FailedRowsContext, receives: number, rows: readonly RowToWrite[]): void {
  const { directory, owner, keys, synchronous, retryBackoff, clock } = context;
  const delay = retryBackoff === false ? 0 : backoffDelay(receives, retryBackoff);
  if (delay <= 0) {
    writeBatch(directory, owner, keys.next(), rows, synchronous);
    return;
  }
  const key = keys.at(clock.now() + Math.ceil(delay));
  writeBatch(directory, owner, key, rows, synchronous, retryName(key));
  context.onRetryScheduled(keyTime(key));
}

function writeDeadLetters(context: FailedRowsContext, rows: readonly RowToWrite[]): void {
  const { directory, owner, keys, synchronous, maxReceiveCount, logger } = context;
  const folder = join(directory, deadLetterFolder);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, writeBatch(folder, owner, keys.next(), rows, synchronous));
  const ids = rows.map((row) => row.messageId);
  logger.warn(
    { file, rows: rows.length, firstId: ids[0], maxReceiveCount },
    'file queue: rows received maxReceiveCount times went to the dead letters',
  );
  context.onDeadLetter({ file, rows: rows.length, ids });
}
