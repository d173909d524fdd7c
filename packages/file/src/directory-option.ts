import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidOptionError } from '@conveyor/core';

/**
 * The queue folder, resolved to an absolute path. It must exist: a typo must
 * not silently make a new queue that no reader watches.
 */
export function directoryOption(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError('directory', 'the path of an existing folder', value);
  const path = resolve(value);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new InvalidOptionError('directory', 'the path of an existing folder', value);
  return path;
}
