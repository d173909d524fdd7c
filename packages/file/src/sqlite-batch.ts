import { closeSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { availName, loadingName } from './batch-name.js';
import { CorruptBatchError } from './errors/corrupt-batch-error.js';
import { syncDirectory } from './queue-folder.js';
import type { Synchronous } from './synchronous-option.js';

/** `PRAGMA user_version` of the batch format; a file with another version is not ours. */
export const batchFormatVersion = 1;

/** One row as stored: JSON text of the item and how many times it failed before. */
export interface StoredRow {
  readonly id: number;
  readonly body: string;
  readonly attempts: number;
}

const schema =
  'CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);' +
  `PRAGMA user_version = ${batchFormatVersion};`;

// One SQLite batch file: its format, writing it in one transaction, reading it whole,
// and what a dead writer left in it.

/**
 * A batch file being written: one SQLite file, one explicit transaction from the
 * first row to `commit()`. A rollback journal (not WAL) so a closed batch is a
 * single file that can be renamed; until commit nothing is visible, so a writer
 * killed mid-batch leaves no half batch behind, only an empty `loading_` file.
 */
export class SqliteBatchWriter {
  readonly path: string;
  readonly #database: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #insertFailed: StatementSync;
  #rows = 0;

  constructor(path: string, synchronous: Synchronous) {
    this.path = path;
    this.#database = new DatabaseSync(path);
    try {
      this.#database.exec(`PRAGMA journal_mode = DELETE; PRAGMA synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}; BEGIN;`);
      this.#database.exec(schema);
      this.#insert = this.#database.prepare('INSERT INTO rows (body) VALUES (?)');
      this.#insertFailed = this.#database.prepare('INSERT INTO rows (body, attempts, last_error) VALUES (?, ?, ?)');
    } catch (error) {
      this.#database.close();
      throw error;
    }
  }

  /** Rows inserted so far (not yet committed until `commit()`). */
  get rows(): number {
    return this.#rows;
  }

  /** Appends one row of JSON text. */
  insert(body: string): void {
    this.#insert.run(body);
    this.#rows++;
  }

  /** Appends a row that failed `attempts` times, last with `lastError`. */
  insertFailed(body: string, attempts: number, lastError: string | null): void {
    this.#insertFailed.run(body, attempts, lastError);
    this.#rows++;
  }

  /** Commits the rows and closes the file; it is durable from here on. */
  commit(): void {
    try {
      this.#database.exec('COMMIT');
    } finally {
      this.#database.close();
    }
  }

  /** Drops the rows and the file. */
  abort(): void {
    try {
      if (this.#database.isTransaction) this.#database.exec('ROLLBACK');
    } finally {
      this.#database.close();
      removeBatchFile(this.path);
    }
  }
}

/** A row given back or failed, to be written into a new batch. */
export interface RowToWrite {
  readonly body: string;
  readonly attempts: number;
  readonly lastError: string | null;
}

/**
 * Writes `rows` as a new available batch `avail_<key>.db` in `directory`: first
 * as `loading_<owner>_<key>.db`, committed and closed, then renamed, so no
 * reader ever sees it half written. Returns the file name.
 */
export function writeBatch(directory: string, owner: string, key: string, rows: Iterable<RowToWrite>, synchronous: Synchronous): string {
  const loading = join(directory, loadingName(owner, key));
  const writer = new SqliteBatchWriter(loading, synchronous);
  try {
    for (const row of rows) writer.insertFailed(row.body, row.attempts, row.lastError);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.commit();
  const name = availName(key);
  renameSync(loading, join(directory, name));
  if (synchronous === 'full') syncDirectory(directory);
  return name;
}

/**
 * Reads every row of a complete batch file, in insertion order. Throws
 * `CorruptBatchError` when the file is not a batch this package wrote.
 */
export function readBatch(path: string): StoredRow[] {
  let database: DatabaseSync;
  try {
    database = new DatabaseSync(path, { readOnly: true });
  } catch (error) {
    throw isCorruption(error) ? corrupt(path, error) : error;
  }
  try {
    checkFormat(path, database);
    const select = database.prepare('SELECT id, body, attempts FROM rows ORDER BY id');
    select.setReturnArrays(true);
    const raw = select.all() as unknown as Array<[number, string, number]>;
    const rows: StoredRow[] = new Array<StoredRow>(raw.length);
    for (let index = 0; index < raw.length; index++) {
      const [id, body, attempts] = raw[index] as [number, string, number];
      if (typeof body !== 'string') throw new CorruptBatchError(path, `row ${id} has a body of type ${typeof body}, not JSON text`);
      rows[index] = { id, body, attempts: typeof attempts === 'number' ? attempts : 0 };
    }
    return rows;
  } catch (error) {
    throw error instanceof CorruptBatchError || !isCorruption(error) ? error : corrupt(path, error);
  } finally {
    database.close();
  }
}

/**
 * Opens a `loading_` file left by a dead writer where it lies (SQLite rolls back
 * its hot journal, which is named after it) and counts the committed rows:
 * 0 when the writer died before its first commit.
 */
export function committedRows(path: string): number {
  let database: DatabaseSync;
  try {
    // mode=rw: never create the file again if another recoverer removed it meanwhile.
    const url = pathToFileURL(path);
    url.searchParams.set('mode', 'rw');
    database = new DatabaseSync(url);
  } catch (error) {
    if (isMissing(error, path)) return 0;
    throw isCorruption(error) ? corrupt(path, error) : error;
  }
  try {
    // BEGIN IMMEDIATE takes the write lock, which makes SQLite roll back a hot journal now.
    database.exec('BEGIN IMMEDIATE');
    const table = database.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'rows'").get() as { n: number };
    if (table.n === 0) {
      database.exec('COMMIT');
      return 0;
    }
    checkFormat(path, database);
    const { n } = database.prepare('SELECT count(*) AS n FROM rows').get() as { n: number };
    database.exec('COMMIT');
    return n;
  } catch (error) {
    throw error instanceof CorruptBatchError || !isCorruption(error) ? error : corrupt(path, error);
  } finally {
    database.close();
  }
}

function checkFormat(path: string, database: DatabaseSync): void {
  const { user_version: version } = database.prepare('PRAGMA user_version').get() as { user_version: number };
  if (version !== batchFormatVersion) {
    throw new CorruptBatchError(path, `format version ${version}, expected ${batchFormatVersion}`);
  }
}

// SQLITE_ERROR (no such table), SQLITE_CORRUPT, SQLITE_FORMAT, SQLITE_NOTADB: the file is not a
// readable batch. Others (busy, I/O, out of memory, too many open files) are conditions, not content.
const corruptionCodes = new Set([1, 11, 24, 26]);

function isCorruption(error: unknown): boolean {
  return corruptionCodes.has((error as { errcode?: number } | null)?.errcode ?? -1);
}

function corrupt(path: string, error: unknown): CorruptBatchError {
  return new CorruptBatchError(path, error instanceof Error ? error.message : String(error), { cause: error });
}

function isMissing(error: unknown, path: string): boolean {
  // SQLITE_CANTOPEN (14) is also what a missing file gives with mode=rw.
  if ((error as { errcode?: number }).errcode !== 14) return false;
  try {
    closeSync(openSync(path, 'r'));
    return false;
  } catch {
    return true;
  }
}

/** Unlinks a batch file and the journal SQLite may have left next to it; a missing file is fine. */
export function removeBatchFile(path: string): void {
  for (const target of [path, `${path}-journal`]) {
    try {
      unlinkSync(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
