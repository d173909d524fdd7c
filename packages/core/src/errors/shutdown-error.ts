import { ConveyorError } from './conveyor-error.js';

/** The consumer shut down before these messages were handled; they go back to the source. */
export class ShutdownError extends ConveyorError {
  constructor() {
    super('SHUTDOWN', 'The consumer shut down before this message was handled; it goes back to the source');
  }
}
