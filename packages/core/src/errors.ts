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

/** An option passed to a constructor is missing, of the wrong type or out of range. */
export class InvalidOptionError extends ConveyorError {
  readonly option: string;

  constructor(option: string, expected: string, received: unknown) {
    super('INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${describeValue(received)}`);
    this.option = option;
  }
}

/** The object given as a source does not follow the Source contract. */
export class InvalidSourceError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_SOURCE', message, options);
  }
}

/** The consumer was asked to do something its lifecycle forbids (start twice, start after shutdown). */
export class ConsumerStateError extends ConveyorError {
  constructor(message: string) {
    super('CONSUMER_STATE', message);
  }
}

/** A handler or initializer module could not be loaded or does not export a function. */
export class HandlerModuleError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HANDLER_MODULE', message, options);
  }
}

/**
 * A handler threw on a pool thread. The original error cannot cross the thread
 * boundary as an object, so its name, message, stack and code are copied here.
 */
export class HandlerFailedError extends ConveyorError {
  readonly originalName: string;
  readonly originalCode: unknown;

  constructor(original: { name: string; message: string; stack?: string | undefined; code?: unknown }) {
    super('HANDLER_FAILED', `${original.name}: ${original.message}`);
    this.originalName = original.name;
    this.originalCode = original.code;
    if (original.stack !== undefined) this.stack = original.stack;
  }
}

/** The handler returned without taking this message from the bulk iterator. */
export class MessageNotTakenError extends ConveyorError {
  constructor() {
    super('MESSAGE_NOT_TAKEN', 'The handler returned without taking this message from the bulk; it goes back to the source');
  }
}

/** The pool thread running a bulk died (exit, uncaught error, out of memory); its whole bulk failed. */
export class PoolThreadError extends ConveyorError {
  /** Leading bulks of the parcel the thread had fully consumed before it died: they stay consumed. */
  readonly completedBulks: number;

  constructor(cause: unknown, completedBulks = 0) {
    super('POOL_THREAD_FAILED', `A pool thread failed while running a bulk: ${errorMessage(cause)}`, { cause });
    this.completedBulks = completedBulks;
  }
}

/** A poller worker thread died or its source failed to load. */
export class PollerThreadError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POLLER_THREAD_FAILED', message, options);
  }
}

/** The consumer shut down before these messages were handled; they go back to the source. */
export class ShutdownError extends ConveyorError {
  constructor() {
    super('SHUTDOWN', 'The consumer shut down before this message was handled; it goes back to the source');
  }
}

/** Bulks still running when `shutdownTimeout` passed were abandoned (and go back to the source). */
export class ShutdownTimeoutError extends ConveyorError {
  constructor(timeoutMs: number) {
    super('SHUTDOWN_TIMEOUT', `Shutdown did not drain within ${timeoutMs} ms; running bulks were abandoned`);
  }
}

/** Quotes a value the way p-queue does: `-1` (number). */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'function' ? `[function ${value.name || 'anonymous'}]` : String(JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
