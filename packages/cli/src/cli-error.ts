import { ConveyorError } from '@conveyor/core';
import type { ExitCode } from './exit-codes.js';
import { exitCodes } from './exit-codes.js';

/** What went wrong on the command line; callers switch on it. */
export type CliErrorCode =
  | 'CLI_USAGE'
  | 'CLI_BAD_URL'
  | 'CLI_MODULE_NOT_FOUND'
  | 'CLI_MODULE_FAILED'
  | 'CLI_NOT_A_CONSUMER'
  | 'CLI_START_FAILED'
  | 'CLI_UNREACHABLE'
  | 'CLI_QUEUE_NOT_FOUND'
  | 'CLI_BAD_INPUT'
  | 'CLI_UNSUPPORTED';

const exitCodeOf: Readonly<Record<CliErrorCode, ExitCode>> = {
  CLI_USAGE: exitCodes.usage,
  CLI_BAD_URL: exitCodes.usage,
  CLI_UNSUPPORTED: exitCodes.usage,
  CLI_MODULE_NOT_FOUND: exitCodes.module,
  CLI_MODULE_FAILED: exitCodes.module,
  CLI_NOT_A_CONSUMER: exitCodes.module,
  CLI_START_FAILED: exitCodes.failure,
  CLI_UNREACHABLE: exitCodes.unavailable,
  CLI_QUEUE_NOT_FOUND: exitCodes.unavailable,
  CLI_BAD_INPUT: exitCodes.badInput,
};

/**
 * An error the command line reports as one line saying what to fix, and exits
 * with `exitCode`. The message never needs a stack trace to be understood.
 */
export class CliError extends ConveyorError {
  override readonly code: CliErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.code = code;
    this.exitCode = exitCodeOf[code];
  }
}
