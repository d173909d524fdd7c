import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { isAvailName } from './batch-name.js';

// The queue folder as a whole: which batches are available, and making renames in it durable.

/** Number of available batches in the queue folder. */
export function countAvailBatches(directory: string): number {
  let count = 0;
  for (const name of readdirSync(directory)) if (isAvailName(name)) count++;
  return count;
}

/** Names of the available batches, oldest first (names sort in creation order). */
export function listAvailBatches(directory: string): string[] {
  const names: string[] = [];
  for (const name of readdirSync(directory)) if (isAvailName(name)) names.push(name);
  return names.sort();
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
