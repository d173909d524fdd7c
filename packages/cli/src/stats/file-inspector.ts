import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { corruptFolder, deadLetterFolder } from '@conveyor/file';
import { CliError } from '../cli-error.js';
import type { FileLocation } from '../source-url.js';
import type { QueueInspector, QueueStats } from './queue-stats.js';

// The name shapes of @conveyor/file's batch files (batch-name.ts): loading_ and assigned_ carry an owner.
const batchName = /^(avail|assigned|loading)_.*\.db$/;

/**
 * Counts a file queue folder: rows in `avail_` batches (waiting), in
 * `assigned_` ones (claimed by readers: in flight), open `loading_` batches,
 * rows in `dead/`, files in `corrupt/`. Files are opened read-only and never
 * renamed, so readers and writers are not disturbed; a file renamed between
 * the listing and the count is skipped (the numbers are a snapshot, like SQS').
 */
export function openFileInspector(location: FileLocation): Promise<QueueInspector> {
  // The executor turns a throw (no such folder) into a rejection.
  return new Promise((resolve) => {
    checkFolder(location.directory);
    resolve({
      read: () => new Promise((resolveRead) => resolveRead(readFolder(location))),
      close: () => Promise.resolve(),
    });
  });
}

/** One look at the folder (synchronous: a few readdir calls and read-only row counts). */
function readFolder(location: FileLocation): QueueStats {
  checkFolder(location.directory);
  const main = countFolder(location.directory);
  const dead = countFolder(join(location.directory, deadLetterFolder));
  const corrupt = listNames(join(location.directory, corruptFolder)).filter((name) => name.endsWith('.db')).length;
  return {
    source: location.display,
    kind: 'file',
    waiting: main.rows.avail,
    inFlight: main.rows.assigned,
    deadLetters: dead.rows.avail + dead.rows.assigned,
    details: {
      readyBatches: main.batches.avail,
      assignedBatches: main.batches.assigned,
      loadingBatches: main.batches.loading,
      corruptFiles: corrupt,
    },
  };
}

function checkFolder(directory: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new CliError('CLI_QUEUE_NOT_FOUND', `No file queue folder at ${directory}; create it (mkdir -p ${directory}) or fix the path`);
}

interface FolderCounts {
  readonly batches: Record<'avail' | 'assigned' | 'loading', number>;
  readonly rows: Record<'avail' | 'assigned', number>;
}

function countFolder(directory: string): FolderCounts {
  const counts: FolderCounts = { batches: { avail: 0, assigned: 0, loading: 0 }, rows: { avail: 0, assigned: 0 } };
  for (const name of listNames(directory)) {
    const state = batchName.exec(name)?.[1] as 'avail' | 'assigned' | 'loading' | undefined;
    if (state === undefined) continue;
    counts.batches[state]++;
    // A loading batch has no committed rows until it becomes available.
    if (state !== 'loading') counts.rows[state] += countRows(join(directory, name));
  }
  return counts;
}

function listNames(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

function countRows(path: string): number {
  let database: DatabaseSync | undefined;
  try {
    database = new DatabaseSync(path, { readOnly: true });
    return (database.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n;
  } catch {
    // Renamed or removed meanwhile, or not a batch (a reader will quarantine it).
    return 0;
  } finally {
    database?.close();
  }
}
