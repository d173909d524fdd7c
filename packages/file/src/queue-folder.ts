import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { isAvailName, isRetryName } from './batch-name.js';

// The queue folder as a whole: what a reader can claim, and making renames in it durable.

/** Number of available batches in the queue folder. */
export function countAvailBatches(directory: string): number {
  let count = 0;
  for (const name of readdirSync(directory)) if (isAvailName(name)) count++;
  return count;
}

/** The names of the available batches and of the retry batches, from one listing of the folder. */
export function listClaimable(directory: string): { avail: string[]; retry: string[] } {
  const avail: string[] = [];
  const retry: string[] = [];
  for (const name of readdirSync(directory)) {
    if (isAvailName(name)) avail.push(name);
    else if (isRetryName(name)) retry.push(name);
  }
  return { avail, retry };
}

/** Makes renames and unlinks in `directory` survive a power cut. */
export function syncDirectory(directory: string): void {
  const descriptor = openSync(directory, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
