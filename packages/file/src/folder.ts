import { readdirSync } from 'node:fs';
import { isAvailName } from './batch-name.js';

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
