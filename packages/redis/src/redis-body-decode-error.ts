import { ConveyorError } from '@conveyor/core';

/**
 * A body that cannot be decoded as the source's `bodyFormat` says (bytes that
 * are not UTF-8 for `'text'`, text that is not JSON for `'json'`). The message
 * goes to the dead letters at once with this error; no handler ever sees it.
 */
export class RedisBodyDecodeError extends ConveyorError {
  /** The message's id. */
  readonly messageId: string;
  /** The format the body failed to decode as. */
  readonly bodyFormat: 'text' | 'json';

  constructor(messageId: string, bodyFormat: 'text' | 'json', cause: unknown) {
    const what = bodyFormat === 'text' ? 'is not valid UTF-8' : 'is not valid JSON';
    super(
      'REDIS_BODY_DECODE',
      `The body of Redis list message ${messageId} ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.messageId = messageId;
    this.bodyFormat = bodyFormat;
  }
}
