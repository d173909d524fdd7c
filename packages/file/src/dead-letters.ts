import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { keyTime, parseBatchName } from './batch-name.js';
import { CorruptBatchError } from './errors/corrupt-batch-error.js';
import { readBatch } from './sqlite-batch.js';

/**
 * Name of the folder, inside the queue folder, that rows failed `maxReceiveCount`
 * times go to: an ordinary batch folder, so a reader pointed at it replays them.
 */
export const deadLetterFolder = 'dead';

/** One row in the dead letters, as `listDeadLetters()` reads it. */
export interface DeadLetter<T = unknown> {
  /** The message's id (the same as in every delivery of it). */
  readonly id: string;
  /** The item given to `writer.add()`. */
  readonly body: T;
  /** How many times it was received before it went to the dead letters. */
  readonly receiveCount: number;
  /** Why its last delivery failed (`<name>: <message>` of an error), or `null` when no reason was given. */
  readonly lastError: string | null;
  /** The batch file in `dead/` that holds it. */
  readonly file: string;
  /** When it went to the dead letters (ms since the epoch): the time in its dead batch's name. */
  readonly deadAt: number;
}

/** What the reader's `deadLetter` event says: rows that just went to the dead letters. */
export interface DeadLetterReport {
  /** Path of the batch file written in `dead/`. */
  readonly file: string;
  readonly rows: number;
  /** Their message ids. */
  readonly ids: readonly string[];
}

/**
 * Lists the rows in the dead letters of the queue folder `directory`, oldest
 * batch first, without claiming or renaming anything. A file renamed meanwhile
 * (a reader replaying `dead/`) is skipped; one that cannot be read as a batch
 * throws `CorruptBatchError`.
 */
export function listDeadLetters<T = unknown>(directory: string): DeadLetter<T>[] {
  const folder = join(directory, deadLetterFolder);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const letters: DeadLetter<T>[] = [];
  for (const name of names.sort()) {
    const parsed = parseBatchName(name);
    if (parsed === undefined || parsed.state === 'loading') continue;
    const path = join(folder, name);
    let rows;
    try {
      rows = readBatch(path, true);
    } catch (error) {
      if (!existsSync(path)) continue;
      throw error;
    }
    rows.forEach((row, index) => {
      let body: T;
      try {
        body = JSON.parse(row.body) as T;
      } catch (error) {
        throw new CorruptBatchError(path, `row ${row.rowId} is not JSON`, { cause: error });
      }
      letters.push({
        id: row.messageId ?? `${parsed.key}:${index}`,
        body,
        receiveCount: row.previousReceives,
        lastError: row.lastError,
        file: name,
        deadAt: keyTime(parsed.key),
      });
    });
  }
  return letters;
}
