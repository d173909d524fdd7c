import { statSync } from 'node:fs';
import { CliError } from './cli-error.js';

/** Throws `CLI_QUEUE_NOT_FOUND` unless `directory` is a folder (a `file://` URL's file queue). */
export function checkFileQueueFolder(directory: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory)
    throw new CliError('CLI_QUEUE_NOT_FOUND', `No file queue folder at ${directory}; create it (mkdir -p ${directory}) or fix the path`);
}
