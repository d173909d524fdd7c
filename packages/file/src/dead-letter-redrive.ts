import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidOptionError } from '@conveyor/core';
import { systemClock } from '@conveyor/core/kit';
import { BatchKeyGenerator } from './batch-key-generator.js';
import { parseBatchName } from './batch-name.js';
import { deadLetterFolder } from './dead-letters.js';
import { currentOwner } from './process-identity.js';
import type { RowToWrite, StoredRow } from './sqlite-batch.js';
import { readBatch, removeBatchFile, writeBatch } from './sqlite-batch.js';
import type { Synchronous } from './synchronous-option.js';
import { synchronousOption } from './synchronous-option.js';

/** Options of `redriveDeadLetters(directory, options)`. */
export interface FileRedriveOptions {
  /** Most rows to send back, the oldest first. @default all of them */
  limit?: number;
  /** SQLite `synchronous` of the batches written: 'full' also survives a power cut. @default 'normal' */
  synchronous?: Synchronous;
}

/**
 * Sends the rows of the dead letters (`dead/`) of the queue folder `directory`
 * back to the queue, oldest batch first: all of them, or the oldest `limit`.
 * Each row keeps its id and body and starts over (no receives, no last error),
 * in a new `avail_` batch at the back of the queue. Per dead batch file: the
 * new batch is written and renamed into place (atomic), the rows not taken are
 * written back to `dead/`, then the old file is deleted; a crash in between
 * leaves rows in both places (delivered twice), never in neither. Returns how
 * many rows moved. A file that another process renamed meanwhile is skipped.
 */
export function redriveDeadLetters(directory: string, options: FileRedriveOptions = {}): number {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0))
    throw new InvalidOptionError('limit', 'a non-negative integer', limit);
  const synchronous = synchronousOption(options.synchronous);
  const folder = join(directory, deadLetterFolder);
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const owner = currentOwner();
  const keys = new BatchKeyGenerator(systemClock);
  let moved = 0;
  for (const name of names) {
    if (moved >= limit) break;
    const parsed = parseBatchName(name);
    if (parsed?.state !== 'avail') continue;
    const path = join(folder, name);
    let rows: StoredRow[];
    try {
      rows = readBatch(path, true);
    } catch (error) {
      if (!existsSync(path)) continue;
      throw error;
    }
    const taken = rows.slice(0, limit - moved);
    const kept = rows.slice(taken.length);
    const idOf = (row: StoredRow, index: number): string => row.messageId ?? `${parsed.key}:${index}`;
    if (taken.length > 0) {
      const fresh = taken.map((row, index): RowToWrite => ({
        body: row.body,
        previousReceives: 0,
        lastError: null,
        messageId: idOf(row, index),
      }));
      writeBatch(directory, owner, keys.next(), fresh, synchronous);
    }
    if (kept.length > 0) {
      const rest = kept.map((row, index): RowToWrite => ({
        body: row.body,
        previousReceives: row.previousReceives,
        lastError: row.lastError,
        messageId: idOf(row, taken.length + index),
      }));
      // Same place in the dead letters' order (time and sequence of the old key), a name of its own.
      writeBatch(folder, owner, keys.giveBack(parsed.key), rest, synchronous);
    }
    removeBatchFile(path);
    moved += taken.length;
  }
  return moved;
}
