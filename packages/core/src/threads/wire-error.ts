import { HandlerFailedError } from '../errors/handler-failed-error.js';

/** An error as it crosses a thread boundary: plain data. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: unknown;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const wire: { name: string; message: string; stack?: string; code?: unknown } = { name: error.name, message: error.message };
    if (error.stack !== undefined) wire.stack = error.stack;
    if (typeof code === 'string' || typeof code === 'number') wire.code = code;
    return wire;
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : safeJson(error) };
}

export function fromWireError(wire: WireError): HandlerFailedError {
  return new HandlerFailedError(wire);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
