/**
 * The logger shape Conveyor writes to: pino's, so a pino (or bunyan-like)
 * logger can be passed as is. Each method takes a context object and a message.
 */
export interface Logger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

const ignore = (): void => {};

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

/** The default: warnings and errors to stderr, nothing else, so faults are never invisible. */
export const consoleLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: (context: object, message: string) => console.warn(`[conveyor] ${message}`, context),
  error: (context: object, message: string) => console.error(`[conveyor] ${message}`, context),
});
