import { ConveyorError } from '@conveyor/core';

/**
 * A batch file could not be read as a Conveyor batch (not SQLite, damaged pages,
 * unknown format, a row that is not JSON). The file is moved to `corrupt/` with a report.
 */
export class CorruptBatchError extends ConveyorError {
  /** Path of the file as it was when reading failed. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('CORRUPT_BATCH', `Corrupt batch file ${file}: ${message}`, options);
    this.file = file;
  }
}
