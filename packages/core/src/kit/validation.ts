// The one option-validation kit of Conveyor: every constructor (Consumer, sources,
// drivers) checks its options with these, so every bad value gets the same kind of
// typed error (`InvalidOptionError`) naming the option and quoting what was given.
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * Checks that `value` is an options object whose keys are all in `known`. An
 * unknown key is rejected with a hint: `hints[key]` when given (for example the
 * Conveyor name of an sqs-consumer option), else the closest known name.
 */
export function optionsObject(
  value: unknown,
  known: readonly string[],
  hints: Readonly<Record<string, string>> = {},
  name = 'options',
): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionError(name, 'an object', value);
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const prefix = name === 'options' ? '' : `${name}.`;
    const near = closest(key, known);
    const hint = Object.hasOwn(hints, key) ? hints[key] : near === undefined ? undefined : `${prefix}${near}`;
    throw new InvalidOptionError(
      `${prefix}${key}`,
      'one of the known options, not an unknown key',
      options[key],
      hint === undefined ? undefined : hint.includes(' ') ? hint : `did you mean \`${hint}\`?`,
    );
  }
  return options;
}

/** A positive safe integer. */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new InvalidOptionError(name, 'a positive integer', value);
  return value;
}

/** An integer from `min` to `max`. */
export function integerIn(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** A positive integer or `Infinity` (no limit). */
export function limit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(name, 'a positive integer or Infinity', value);
  }
  return value;
}

/** A finite number ≥ 0. */
export function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidOptionError(name, 'a finite number >= 0', value);
  return value;
}

/** Milliseconds: a finite number ≥ 0 (> 0 with `positive`), or `Infinity` with `allowInfinity`. */
export function milliseconds(
  name: string,
  value: unknown,
  fallback: number,
  options: { readonly positive?: boolean; readonly allowInfinity?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (options.allowInfinity === true && value === Number.POSITIVE_INFINITY) return value;
  const positive = options.positive === true;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    const expected = `a finite number of milliseconds ${positive ? '> 0' : '>= 0'}${options.allowInfinity === true ? ' or Infinity' : ''}`;
    throw new InvalidOptionError(name, expected, value);
  }
  return value;
}

/** One of `choices`. */
export function oneOf<const T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, choices.map((choice) => `'${choice}'`).join(' or '), value);
  }
  return value as T;
}

/** `true` or `false`. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'a boolean', value);
  return value;
}

/** A non-empty string. */
export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError(name, 'a non-empty string', value);
  return value;
}

/** An object with each of `methods` (a client, a metrics backend); `expected` says what it should be. */
export function objectWithMethods<T>(name: string, value: unknown, methods: readonly string[], expected: string): T {
  for (const method of methods) {
    if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new InvalidOptionError(name, expected, value);
    }
  }
  return value as T;
}

/** A pino-shaped logger (`debug`, `info`, `warn`, `error`). */
export function loggerOption(value: unknown, fallback: Logger): Logger {
  if (value === undefined) return fallback;
  return objectWithMethods<Logger>(
    'logger',
    value,
    ['debug', 'info', 'warn', 'error'],
    "a logger with debug, info, warn and error methods (pino's shape)",
  );
}

/** A `Clock` (tests pass a `ManualClock`). */
export function clockOption(value: unknown): Clock {
  if (value === undefined) return systemClock;
  return objectWithMethods<Clock>('clock', value, ['now', 'setTimeout'], 'a Clock (an object with now() and setTimeout())');
}

/** An `AbortSignal`. */
export function signalOption(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', value);
  return value;
}

/** The known name nearest to `key` (edit distance ≤ a third of its length), for "did you mean". */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
