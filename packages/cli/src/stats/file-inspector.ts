import { readdirSync } from 'node:fs';
import { inspectQueueFolder } from '@conveyor/file';
import type { FileLocation } from '../source-url.js';
import type { QueueInspector, QueueStats } from './queue-stats.js';
import { checkFileQueueFolder } from '../file-queue-folder.js';

/**
 * Counts a file queue folder with @conveyor/file's `inspectQueueFolder()`: rows
 * waiting (those waiting out a retry backoff included), claimed (in flight) and
 * dead, batches being written, corrupt files.
 */
export function openFileInspector(location: FileLocation): Promise<QueueInspector> {
  // The executor turns a throw (no such folder) into a rejection.
  return new Promise((resolve) => {
    checkFileQueueFolder(location.directory);
    resolve({
      read: () => new Promise((resolveRead) => resolveRead(readFolder(location))),
      close: () => Promise.resolve(),
    });
  });
}

/** One look at the folder (synchronous: a few readdir calls and read-only row counts). */
function readFolder(location: FileLocation): QueueStats {
  checkFileQueueFolder(location.directory);
  const depth = inspectQueueFolder(location.directory);
  return {
    source: location.display,
    kind: 'file',
    waiting: depth.waiting,
    inFlight: depth.inFlight,
    deadLetters: depth.deadLetters,
    oldestAgeMs: oldestAge(location.directory),
    details: {
      delayed: depth.delayed,
      readyBatches: depth.readyBatches,
      retryBatches: depth.retryBatches,
      assignedBatches: depth.assignedBatches,
      loadingBatches: depth.loadingBatches,
      corruptFiles: depth.corruptFiles,
    },
  };
}

// Ready and claimed batches: their key's time is when their first row was written (a retry batch's is when it falls due).
const waitingBatch = /^(?:avail_|assigned_\d+-\d+_)(\d{13})_/;

/** Age of the oldest ready or claimed batch: when its rows were first written. */
function oldestAge(directory: string): number | undefined {
  let oldest: number | undefined;
  for (const name of readdirSync(directory)) {
    const time = waitingBatch.exec(name)?.[1];
    if (time !== undefined && (oldest === undefined || Number(time) < oldest)) oldest = Number(time);
  }
  return oldest === undefined ? undefined : Math.max(0, Date.now() - oldest);
}
