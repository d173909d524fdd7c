import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { currentOwner } from './process-identity.js';

/** Written next to a corrupt file in `corrupt/` as `<name>.report.json`, and emitted as the `corrupt` event. */
export interface CorruptReport {
  /** The file's name in `corrupt/` (its `avail_` name when a reader found it). */
  readonly file: string;
  /** Where it is now. */
  readonly movedTo: string;
  /** Why it was judged corrupt. */
  readonly reason: string;
  /** SQLite's or the parser's error code, when there is one. */
  readonly code: string | number | undefined;
  /** ISO time it was moved. */
  readonly at: string;
  /** Owner token (`<pid>-<start>`) of the process that moved it. */
  readonly by: string;
}

/** Name of the folder, inside the queue folder, that corrupt batch files are moved to. */
export const corruptFolder = 'corrupt';

/**
 * Moves a batch file that cannot be read to `<directory>/corrupt/` and writes a
 * report beside it, as `name` (by default its current name). A corrupt file is
 * never deleted: its rows may be salvageable by hand.
 */
export function quarantine(directory: string, path: string, error: unknown, name = basename(path)): CorruptReport {
  const folder = join(directory, corruptFolder);
  mkdirSync(folder, { recursive: true });
  const movedTo = join(folder, name);
  renameSync(path, movedTo);
  try {
    renameSync(`${path}-journal`, `${movedTo}-journal`);
  } catch {
    // Usually there is no journal.
  }
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const report: CorruptReport = {
    file: name,
    movedTo,
    reason: error instanceof Error ? error.message : String(error),
    code: (cause as { errcode?: number; code?: string } | null)?.errcode ?? (cause as { code?: string } | null)?.code,
    at: new Date().toISOString(),
    by: currentOwner(),
  };
  writeFileSync(`${movedTo}.report.json`, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
