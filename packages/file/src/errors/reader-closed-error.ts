import { ConveyorError } from '@conveyor/core';

/** `claim()` or `process()` was called on a reader after `close()`. */
export class ReaderClosedError extends ConveyorError {
  constructor() {
    super('READER_CLOSED', 'This FileQueueReader is closed; create a new one to read');
  }
}
