/** Every code a Conveyor error can carry; callers switch on it instead of parsing messages. */
export type ConveyorErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_SOURCE'
  | 'CONSUMER_STATE'
  | 'HANDLER_MODULE'
  | 'HANDLER_FAILED'
  | 'MESSAGE_NOT_TAKEN'
  | 'POOL_THREAD_FAILED'
  | 'POLLER_THREAD_FAILED'
  | 'SHUTDOWN'
  | 'SHUTDOWN_TIMEOUT'
  | 'MESSAGE_ENCODING'
  | 'HANDLER_TIMEOUT'
  | 'NODE_VERSION'
  | (string & {});

/** Base class of every error Conveyor throws or reports. */
export class ConveyorError extends Error {
  readonly code: ConveyorErrorCode;

  constructor(code: ConveyorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The message of an error, or the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
