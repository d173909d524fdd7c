import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidOptionError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { Synchronous } from './batch-file.js';

// Shared checks of the option files of this package, in the words of core's InvalidOptionError.

export function checkObject(options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  return options as Record<string, unknown>;
}

export function checkKnown(options: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidOptionError(key, 'one of the known options, not an unknown key', options[key]);
  }
}

/** The queue folder: must exist (a typo must not silently make a new, unwatched queue). */
export function directoryOption(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError('directory', 'the path of an existing folder', value);
  const path = resolve(value);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new InvalidOptionError('directory', 'the path of an existing folder', value);
  return path;
}

export { positiveInteger } from '@conveyor/core/kit';

/** A positive integer or `Infinity` (no limit). */
export function limit(name: string, value: unknown, fallback: number): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(name, 'a positive integer or Infinity', value);
  }
  return value;
}

/** Milliseconds: a finite number above 0 (or `Infinity` where `allowInfinity`). */
export function duration(name: string, value: unknown, fallback: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (allowInfinity && value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(name, `a finite number of milliseconds > 0${allowInfinity ? ' or Infinity' : ''}`, value);
  }
  return value;
}

export function nonNegativeDuration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new InvalidOptionError(name, 'a finite number of milliseconds >= 0', value);
  return value;
}

export function oneOf<const T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, choices.map((choice) => `'${choice}'`).join(' or '), value);
  }
  return value as T;
}

export function synchronousOption(value: unknown): Synchronous {
  return oneOf('synchronous', value, ['normal', 'full'] as const, 'normal');
}

export function loggerOption(value: unknown, fallback: Logger): Logger {
  if (value === undefined) return fallback;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[level] !== 'function') {
      throw new InvalidOptionError('logger', 'an object with debug, info, warn and error methods (pino-shaped)', value);
    }
  }
  return value as Logger;
}
