import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { keyTime, parseBatchName } from './batch-name.js';
import type { BatchState } from './batch-name.js';
import { deadLetterFolder } from './dead-letters.js';
import { corruptFolder } from './quarantine.js';

/** One look at a queue folder, taken without claiming or renaming anything. */
export interface QueueFolderDepth {
  /** Rows waiting for a reader: in `avail_` batches, and in `retry_` batches (`delayed`). */
  readonly waiting: number;
  /** Rows of `waiting` that failed and wait out their retry backoff in `retry_` batches. */
  readonly delayed: number;
  /** Rows in `assigned_` batches: claimed by readers, not all settled. */
  readonly inFlight: number;
  /** Rows in the `dead/` folder. */
  readonly deadLetters: number;
  readonly readyBatches: number;
  readonly assignedBatches: number;
  /** `retry_` batches: failed rows waiting out their backoff. */
  readonly retryBatches: number;
  /** Batches still being written (their rows are not committed yet). */
  readonly loadingBatches: number;
  /** Files moved aside to `corrupt/`. */
  readonly corruptFiles: number;
  /**
   * Milliseconds since the oldest `avail_` batch was made (its key's time: about
   * when its first row was written); 0 when none is ready.
   */
  readonly oldestAgeMs: number;
}

/**
 * Counts a queue folder. Files are opened read-only and never renamed, so
 * readers and writers are not disturbed; a file renamed between the listing
 * and the count is skipped (the numbers are a snapshot, like SQS' approximate ones).
 */
export function inspectQueueFolder(directory: string): QueueFolderDepth {
  const main = countFolder(directory);
  const dead = countFolder(join(directory, deadLetterFolder));
  const corruptFiles = listNames(join(directory, corruptFolder)).filter((name) => name.endsWith('.db')).length;
  return {
    waiting: main.rows.avail + main.rows.retry,
    delayed: main.rows.retry,
    inFlight: main.rows.assigned,
    deadLetters: dead.rows.avail + dead.rows.assigned,
    readyBatches: main.batches.avail,
    assignedBatches: main.batches.assigned,
    retryBatches: main.batches.retry,
    loadingBatches: main.batches.loading,
    corruptFiles,
    oldestAgeMs: main.oldestReady === undefined ? 0 : Math.max(0, Date.now() - main.oldestReady),
  };
}

interface FolderCounts {
  readonly batches: Record<BatchState, number>;
  readonly rows: Record<Exclude<BatchState, 'loading'>, number>;
  /** The time of the oldest `avail_` batch's key. */
  oldestReady: number | undefined;
}

function countFolder(directory: string): FolderCounts {
  const counts: FolderCounts = {
    batches: { avail: 0, assigned: 0, loading: 0, retry: 0 },
    rows: { avail: 0, assigned: 0, retry: 0 },
    oldestReady: undefined,
  };
  for (const name of listNames(directory)) {
    const parsed = parseBatchName(name);
    if (parsed === undefined) continue;
    const state = parsed.state;
    counts.batches[state]++;
    if (state === 'avail') counts.oldestReady = Math.min(counts.oldestReady ?? Number.POSITIVE_INFINITY, keyTime(parsed.key));
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
