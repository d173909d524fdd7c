import { InvalidOptionError } from '@conveyor/core';

/**
 * A delay or an interval: a number of seconds (as in the original library),
 * or an object adding up its parts, like Python's `timedelta`.
 */
export type Duration =
  | number
  | {
      readonly hours?: number;
      readonly minutes?: number;
      readonly seconds?: number;
      readonly milliseconds?: number;
    };

const factors = { hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1 } as const;

/** Converts a duration to milliseconds, rejecting what is not a finite duration >= 0. */
export function durationToMilliseconds(name: string, duration: unknown): number {
  let total = 0;
  if (typeof duration === 'number') {
    total = duration * 1000;
  } else if (duration !== null && typeof duration === 'object' && !Array.isArray(duration)) {
    for (const [unit, value] of Object.entries(duration)) {
      const factor = (factors as Record<string, number>)[unit];
      if (factor === undefined || typeof value !== 'number') {
        throw new InvalidOptionError(name, 'seconds as a number or { hours, minutes, seconds, milliseconds }', duration);
      }
      total += value * factor;
    }
  } else {
    throw new InvalidOptionError(name, 'seconds as a number or { hours, minutes, seconds, milliseconds }', duration);
  }
  if (!Number.isFinite(total) || total < 0) throw new InvalidOptionError(name, 'a finite duration >= 0', duration);
  return Math.round(total);
}
