import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { assignedName, parseBatchName } from './batch-name.js';
import type { BatchRow } from './claimed-batch.js';
import { CorruptBatchError } from './errors/corrupt-batch-error.js';
import type { CorruptReport } from './quarantine.js';
import { quarantine } from './quarantine.js';
import type { StoredRow } from './sqlite-batch.js';
import { readBatch, removeBatchFile } from './sqlite-batch.js';

/** A batch file this process claimed and read. */
export interface ClaimedFile<T> {
  readonly key: string;
  readonly path: string;
  readonly stored: readonly StoredRow[];
  readonly rows: BatchRow<T>[];
}

/** What trying to claim one `avail_` file came to; `undefined`: another reader was faster, or it held no row. */
export type ClaimOutcome<T> = { readonly claimed: ClaimedFile<T> } | { readonly corrupt: CorruptReport } | undefined;

/**
 * Claims the available batch `name` for `owner` by renaming it
 * `assigned_<owner>_<key>.db` (the rename is the lock: of two readers, one wins
 * and the other gets ENOENT) and reads its rows. A file that is not a readable
 * batch is moved to `corrupt/`; an I/O condition (busy, too many open files) puts
 * it back and throws, since it is not the file's fault.
 */
export function claimBatchFile<T>(directory: string, owner: string, name: string): ClaimOutcome<T> {
  const parsed = parseBatchName(name);
  if (parsed === undefined) return undefined;
  const path = join(directory, assignedName(owner, parsed.key));
  try {
    renameSync(join(directory, name), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let stored: StoredRow[];
  let rows: BatchRow<T>[];
  try {
    stored = readBatch(path);
    rows = decodeRows<T>(path, parsed.key, stored);
  } catch (error) {
    if (!(error instanceof CorruptBatchError)) {
      renameSync(path, join(directory, name));
      throw error;
    }
    return { corrupt: quarantine(directory, path, error, name) };
  }
  if (rows.length === 0) {
    removeBatchFile(path);
    return undefined;
  }
  return { claimed: { key: parsed.key, path, stored, rows } };
}

/** Rows as a reader hands them out: JSON decoded, with their stable id and receive count. */
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
