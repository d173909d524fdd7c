import { ConveyorError } from './conveyor-error.js';

/**
 * A message cannot cross to a pool thread unchanged (a function, a class
 * instance, a symbol...): it is failed without running the handler and, where
 * the source allows, dead-lettered at once (it would fail the same way every time).
 */
export class MessageEncodingError extends ConveyorError {
  /** Where in the message the value that cannot cross was found, e.g. `body.callback`. */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(
      'MESSAGE_ENCODING',
      `This message cannot cross to a pool thread unchanged: ${path} is ${reason}. ` +
        'Send plain data (strings, numbers, booleans, null, arrays, plain objects, Map, Set, Date, bytes, BigInt), ' +
        "or handle it inline (executor: 'inline')",
    );
    this.path = path;
  }
}
