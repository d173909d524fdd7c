import { ConveyorError } from '../errors/conveyor-error.js';
import { HandlerFailedError } from '../errors/handler-failed-error.js';

/** An error as it crosses a thread boundary: plain data. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: unknown;
  /** It was a ConveyorError: it comes back as one, with its code (release reasons depend on it). */
  readonly conveyor?: true;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const wire: { name: string; message: string; stack?: string; code?: unknown; conveyor?: true } = {
      name: error.name,
      message: error.message,
    };
    if (error.stack !== undefined) wire.stack = error.stack;
    if (typeof code === 'string' || typeof code === 'number') wire.code = code;
    if (error instanceof ConveyorError) wire.conveyor = true;
    return wire;
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : safeJson(error) };
}

/** A handler's error comes back as `HandlerFailedError`; Conveyor's own errors keep their class name and code. */
export function fromWireError(wire: WireError): ConveyorError {
  if (wire.conveyor === true && typeof wire.code === 'string') {
    const error = new ConveyorError(wire.code, wire.message);
    error.name = wire.name;
    if (wire.stack !== undefined) error.stack = wire.stack;
    return error;
  }
  return new HandlerFailedError(wire);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
