import { ConveyorError } from '@conveyor/core';
import { CliError } from './cli-error.js';
import type { ExitCode } from './exit-codes.js';
import { exitCodes } from './exit-codes.js';
import { redact } from './redact.js';

/** What the command line prints and how it exits for an error. */
export interface ErrorReport {
  /** One line, no stack. */
  readonly message: string;
  readonly exitCode: ExitCode;
}

/** Turns whatever was thrown into one line and an exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  const network = networkErrorCode(error);
  if (network !== undefined) return { message: `Connection failed (${network}): ${oneLine(error)}`, exitCode: exitCodes.unavailable };
  if (error instanceof ConveyorError) return { message: `${error.code}: ${oneLine(error)}`, exitCode: exitCodes.failure };
  return { message: oneLine(error), exitCode: exitCodes.failure };
}

/** The first line of an error's message (AggregateErrors: of their first inner error), secrets hidden: client errors may quote their URL. */
export function oneLine(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  if (message === '' && error instanceof AggregateError) message = (error.errors as unknown[]).map(oneLine).join('; ');
  if (message === '' && error instanceof Error) message = error.name;
  return redact(message.split('\n', 1)[0]?.trim() ?? '');
}

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** A network error code found on the error, its cause or its inner errors (`ECONNREFUSED`...). */
export function networkErrorCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 4) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && networkCodes.has(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors as unknown[]) {
      const found = networkErrorCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkErrorCode((error as { cause?: unknown }).cause, depth + 1);
}
