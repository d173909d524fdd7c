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

/** `add()` or `flush()` was called on a writer after `close()`. */
export class WriterClosedError extends ConveyorError {
  constructor() {
    super('WRITER_CLOSED', 'This FileQueueWriter is closed; create a new one to add items');
  }
}

/** `add()` was given an item JSON cannot encode (undefined, a function, a BigInt, a cycle). */
export class UnserializableItemError extends ConveyorError {
  constructor(options?: { cause?: unknown }) {
    super('UNSERIALIZABLE_ITEM', 'Items of the file queue are stored as JSON; this item cannot be encoded as JSON', options);
  }
}

/** `claim()` or `process()` was called on a reader after `close()`. */
export class ReaderClosedError extends ConveyorError {
  constructor() {
    super('READER_CLOSED', 'This FileQueueReader is closed; create a new one to read');
  }
}
