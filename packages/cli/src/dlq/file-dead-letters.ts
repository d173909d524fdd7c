import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { corruptFolder, deadLetterFolder, listDeadLetters, redriveDeadLetters } from '@conveyor/file';
import { CliError } from '../cli-error.js';
import { oneLine } from '../describe-error.js';
import type { FileLocation } from '../source-url.js';
import type { DeadLetterTool, DeadLetterView } from './dead-letter-tool.js';
import { checkFileQueueFolder } from '../file-queue-folder.js';

/**
 * The dead letters of a file queue folder (`dead/`, through @conveyor/file's
 * `listDeadLetters()` / `redriveDeadLetters()`). Files in `corrupt/` cannot be
 * read as batches, so they are counted and pointed at, never replayed.
 */
export function openFileDeadLetters(location: FileLocation): Promise<DeadLetterTool> {
  return new Promise((resolve) => {
    checkFileQueueFolder(location.directory);
    resolve({
      where: join(location.directory, deadLetterFolder),
      count: () => attempt(location, () => listDeadLetters(location.directory).length),
      list: (limit) =>
        attempt(location, () => {
          const now = Date.now();
          return listDeadLetters(location.directory)
            .slice(0, limit)
            .map((letter): DeadLetterView => ({
              id: letter.id,
              body: JSON.stringify(letter.body),
              receiveCount: letter.receiveCount,
              ageMs: Math.max(0, now - letter.deadAt),
              lastError: letter.lastError ?? undefined,
            }));
        }),
      redrive: (limit) => attempt(location, () => redriveDeadLetters(location.directory, limit === undefined ? {} : { limit })),
      notes: () => attempt(location, () => corruptNotes(location.directory)),
      close: () => Promise.resolve(),
    });
  });
}

function corruptNotes(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(directory, corruptFolder));
  } catch {
    return [];
  }
  const files = names.filter((name) => name.endsWith('.db'));
  if (files.length === 0) return [];
  return [
    `${files.length} corrupt batch file(s) in ${join(directory, corruptFolder)} cannot be read as batches and are not replayed; each has a .report.json saying why`,
  ];
}

function attempt<T>(location: FileLocation, read: () => T): Promise<T> {
  return new Promise((resolve) => {
    try {
      resolve(read());
    } catch (error) {
      throw new CliError('CLI_UNREACHABLE', `The dead letters of ${location.display} cannot be read: ${oneLine(error)}`, { cause: error });
    }
  });
}
