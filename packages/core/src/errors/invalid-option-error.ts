import { ConveyorError } from './conveyor-error.js';
import { describeValue } from './describe-value.js';

/** An option passed to a constructor is missing, of the wrong type or out of range. */
export class InvalidOptionError extends ConveyorError {
  /** The option's name, as the caller wrote it (`deadLetter.maxReceiveCount` for nested ones). */
  readonly option: string;

  /** `hint` is added after the quoted value: what to write instead. */
  constructor(option: string, expected: string, received: unknown, hint?: string) {
    super(
      'INVALID_OPTION',
      `Expected \`${option}\` to be ${expected}, got ${describeValue(received)}${hint === undefined ? '' : `; ${hint}`}`,
    );
    this.option = option;
  }
}
