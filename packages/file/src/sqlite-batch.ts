import { closeSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { availName, loadingName } from './batch-name.js';
import { CorruptBatchError } from './errors/corrupt-batch-error.js';
import { syncDirectory } from './queue-folder.js';
import type { Synchronous } from './synchronous-option.js';

// One SQLite batch file: its format, writing it in one transaction, reading it whole,
// and what a dead writer left in it.

/** `PRAGMA user_version` of the batch format; a file with another version is not ours. */
export const batchFormatVersion = 1;

/**
 * The table of a batch file. `attempts` counts the receives a row had before it
 * was written to this file; `last_error` is why it last failed. `message_id` (a
 * nullable column added within format 1: older files lack it, older readers
 * ignore it) is NULL in the batch a row was first written to, where its id is
 * `<batch key>:<index>`, and carries that id when the row is written again.
 * `trace_context` (nullable, added within format 1 the same way) is the W3C
 * trace context the row was written with, as JSON (`FileQueueWriter`'s `traceContext`).
 */
const schema =
  'CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, message_id TEXT, trace_context TEXT);' +
  `PRAGMA user_version = ${batchFormatVersion};`;

/** One row as read back. */
export interface StoredRow {
  /** SQLite's row id (order of insertion). */
  readonly rowId: number;
  /** JSON text of the item. */
  readonly body: string;
  /** Receives counted before this file (the `attempts` column). */
  readonly previousReceives: number;
  /** The message's id when the row was written again, else `null`. */
  readonly messageId: string | null;
  /** Why it last failed (read only when asked for: dead letters). */
  readonly lastError: string | null;
  /** The trace context it was written with (JSON of W3C headers), else `null`. */
  readonly traceContext: string | null;
}

/** A row to write into a new batch: one given back, failed or dead. */
export interface RowToWrite {
  readonly body: string;
  readonly previousReceives: number;
  readonly lastError: string | null;
  readonly messageId: string;
  /** It can never be handled (`isPoison`): to the dead letters at once, whatever its receive count. */
  readonly poison?: boolean;
  /** The trace context it was first written with, kept. */
  readonly traceContext?: string | null;
}

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
  readonly #insertAgain: StatementSync;
  #rows = 0;

  constructor(path: string, synchronous: Synchronous) {
    this.path = path;
    this.#database = new DatabaseSync(path);
    try {
      this.#database.exec(`PRAGMA journal_mode = DELETE; PRAGMA synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}; BEGIN;`);
      this.#database.exec(schema);
      this.#insert = this.#database.prepare('INSERT INTO rows (body, trace_context) VALUES (?, ?)');
      this.#insertAgain = this.#database.prepare(
        'INSERT INTO rows (body, attempts, last_error, message_id, trace_context) VALUES (?, ?, ?, ?, ?)',
      );
    } catch (error) {
      this.#database.close();
      throw error;
    }
  }

  /** Rows inserted so far (not yet committed until `commit()`). */
  get rows(): number {
    return this.#rows;
  }

  /** Appends one row of JSON text, with the trace context it was added in (JSON), if any. */
  insert(body: string, traceContext: string | null = null): void {
    this.#insert.run(body, traceContext);
    this.#rows++;
  }

  /** Appends a row written before (given back, failed or dead), keeping its id and receives. */
  insertAgain(row: RowToWrite): void {
    this.#insertAgain.run(row.body, row.previousReceives, row.lastError, row.messageId, row.traceContext ?? null);
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

/**
 * Writes `rows` as a new batch `name` (by default the available `avail_<key>.db`)
 * in `directory`: first as `loading_<owner>_<key>.db`, committed and closed, then
 * renamed, so no reader ever sees it half written. Returns the file name.
 */
export function writeBatch(
  directory: string,
  owner: string,
  key: string,
  rows: Iterable<RowToWrite>,
  synchronous: Synchronous,
  name = availName(key),
): string {
  const loading = join(directory, loadingName(owner, key));
  const writer = new SqliteBatchWriter(loading, synchronous);
  try {
    for (const row of rows) writer.insertAgain(row);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.commit();
  renameSync(loading, join(directory, name));
  if (synchronous === 'full') syncDirectory(directory);
  return name;
}

/**
 * Reads every row of a complete batch file, in insertion order (with their last
 * errors when `withLastErrors`). Throws `CorruptBatchError` when the file is not
 * a batch this package wrote.
 */
export function readBatch(path: string, withLastErrors = false): StoredRow[] {
  let database: DatabaseSync;
  try {
    database = new DatabaseSync(path, { readOnly: true });
  } catch (error) {
    throw isCorruption(error) ? corrupt(path, error) : error;
  }
  try {
    checkFormat(path, database);
    const columns = columnsOf(database);
    const messageId = columns.has('message_id') ? 'message_id' : 'NULL';
    const lastError = withLastErrors ? 'last_error' : 'NULL';
    const traceContext = columns.has('trace_context') ? 'trace_context' : 'NULL';
    const select = database.prepare(`SELECT id, body, attempts, ${messageId}, ${lastError}, ${traceContext} FROM rows ORDER BY id`);
    select.setReturnArrays(true);
    const raw = select.all() as unknown as Array<Row>;
    const rows: StoredRow[] = new Array<StoredRow>(raw.length);
    for (let index = 0; index < raw.length; index++) {
      const [rowId, body, attempts, id, error, trace] = raw[index] as Row;
      if (typeof body !== 'string') throw new CorruptBatchError(path, `row ${rowId} has a body of type ${typeof body}, not JSON text`);
      rows[index] = {
        rowId,
        body,
        previousReceives: typeof attempts === 'number' ? attempts : 0,
        messageId: typeof id === 'string' ? id : null,
        lastError: typeof error === 'string' ? error : null,
        traceContext: typeof trace === 'string' ? trace : null,
      };
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

type Row = [rowId: number, body: string, attempts: number, messageId: string | null, lastError: string | null, traceContext: string | null];

/** The columns of `rows`: files written before `message_id` or `trace_context` existed lack them. */
function columnsOf(database: DatabaseSync): Set<string> {
  const rows = database.prepare("SELECT name FROM pragma_table_info('rows')").all() as { name: string }[];
  return new Set(rows.map((row) => row.name));
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
