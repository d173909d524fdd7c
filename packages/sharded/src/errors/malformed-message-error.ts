import { ConveyorError } from '@conveyor/core';

/** A stored message could not be deserialized; it goes to the dead letters. */
export class MalformedMessageError extends ConveyorError {
  /** The tube the message was read from. */
  readonly tube: string;
  /** The stored text that could not be read. */
  readonly storedMessage: string;

  constructor(tube: string, storedMessage: string, cause: unknown) {
    super('MALFORMED_MESSAGE', `A message in tube \`${tube}\` cannot be deserialized; it goes to the dead letters`, { cause });
    this.tube = tube;
    this.storedMessage = storedMessage;
  }
}
