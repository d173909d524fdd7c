import { ConveyorError } from './conveyor-error.js';

/** The handler returned without taking this message from the bulk iterator. */
export class MessageNotTakenError extends ConveyorError {
  constructor() {
    super('MESSAGE_NOT_TAKEN', 'The handler returned without taking this message from the bulk; it goes back to the source');
  }
}
