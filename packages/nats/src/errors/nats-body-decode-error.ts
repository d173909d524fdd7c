import { ConveyorError } from '@conveyor/core';

/**
 * A message body could not be decoded as `bodyFormat` asks (not UTF-8 text,
 * not JSON): the message goes to the dead letters at once; it is never handed
 * to a handler and never retried.
 */
export class NatsBodyDecodeError extends ConveyorError {
  /** The stream sequence of the message (its `id`). */
  readonly sequence: number;
  readonly bodyFormat: 'text' | 'json';

  constructor(sequence: number, bodyFormat: 'text' | 'json', cause: unknown) {
    const what = bodyFormat === 'json' ? 'valid JSON' : 'valid UTF-8 text';
    super(
      'NATS_BODY_DECODE',
      `The body of JetStream message ${sequence} is not ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.sequence = sequence;
    this.bodyFormat = bodyFormat;
  }
}
