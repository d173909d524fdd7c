import type { Logger } from '@conveyor/core';
import { oneLine } from '../describe-error.js';

/** A pino-shaped logger that hands warnings and errors to `notice` as one line each (debug and info are dropped). */
export function createCliLogger(notice: (level: 'warn' | 'error', message: string) => void): Logger {
  const line = (context: object, message: string): string => {
    const error = (context as { err?: unknown } | null)?.err;
    return error === undefined ? message : `${message}: ${oneLine(error)}`;
  };
  return {
    debug: () => {},
    info: () => {},
    warn: (context, message) => notice('warn', line(context, message)),
    error: (context, message) => notice('error', line(context, message)),
  };
}
