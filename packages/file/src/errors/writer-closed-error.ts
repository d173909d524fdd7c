import { ConveyorError } from '@conveyor/core';

/** `add()` or `flush()` was called on a writer after `close()`. */
export class WriterClosedError extends ConveyorError {
  constructor() {
    super('WRITER_CLOSED', 'This FileQueueWriter is closed; create a new one to add items');
  }
}
