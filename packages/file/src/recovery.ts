import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { availName, parseBatchName } from './batch-name.js';
import { CorruptBatchError } from './errors/corrupt-batch-error.js';
import { isOwnerAlive } from './process-identity.js';
import type { CorruptReport } from './quarantine.js';
import { quarantine } from './quarantine.js';
import { committedRows, removeBatchFile } from './sqlite-batch.js';

/** What one recovery pass did. */
export interface RecoveryReport {
  /** Files of dead owners made available again (their new `avail_` names). */
  readonly returned: string[];
  /** `loading_` files of dead writers that held no committed row, removed. */
  readonly removed: string[];
  /** Files that could not be read, moved to `corrupt/`. */
  readonly corrupt: CorruptReport[];
}

/**
 * Returns to the queue the files whose owner process is gone: an `assigned_`
 * file (a reader died holding it) is renamed back to `avail_` whole, so its rows
 * are delivered again; a `loading_` file (a writer died mid-batch) keeps only
 * what it had committed: made available if it has rows, removed if not.
 * Files of a live owner, this process included, are never touched.
 */
export function recoverBatches(directory: string): RecoveryReport {
  const report: RecoveryReport = { returned: [], removed: [], corrupt: [] };
  const alive = new Map<string, boolean>();
  for (const name of readdirSync(directory)) {
    const parsed = parseBatchName(name);
    if (parsed === undefined || parsed.owner === undefined) continue;
    let ownerAlive = alive.get(parsed.owner);
    if (ownerAlive === undefined) alive.set(parsed.owner, (ownerAlive = isOwnerAlive(parsed.owner)));
    if (ownerAlive) continue;
    const path = join(directory, name);
    const target = availName(parsed.key);
    try {
      if (parsed.state === 'loading') {
        let rows: number;
        try {
          rows = committedRows(path);
        } catch (error) {
          if (!(error instanceof CorruptBatchError)) throw error;
          report.corrupt.push(quarantine(directory, path, error));
          continue;
        }
        if (rows === 0) {
          removeBatchFile(path);
          report.removed.push(name);
          continue;
        }
      }
      renameSync(path, join(directory, target));
      report.returned.push(target);
    } catch (error) {
      // Another process recovered it first.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return report;
}
