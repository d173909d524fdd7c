import { ConveyorError } from './conveyor-error.js';

/** The consumer was asked to do something its lifecycle forbids (start twice, start after shutdown). */
export class ConsumerStateError extends ConveyorError {
  constructor(message: string) {
    super('CONSUMER_STATE', message);
  }
}
