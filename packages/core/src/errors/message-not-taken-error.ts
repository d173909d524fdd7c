import { ConveyorError } from './conveyor-error.js';

/**
 * The handler never received this message: it returned or threw before taking
 * it from the bulk, or an earlier bulk of its parcel was lost. It goes back to
 * the source at once, uncharged (it does not count as a failed delivery).
 */
export class MessageNotTakenError extends ConveyorError {
  constructor(message = 'The handler never received this message; it goes back to the source uncharged') {
    super('MESSAGE_NOT_TAKEN', message);
  }
}
