import { InvalidOptionError } from '@conveyor/core';
import { booleanOption, optionsObject } from '@conveyor/core/kit';
import type { Duration } from './duration.js';
import { durationToMilliseconds } from './duration.js';

/** Options of `queue.register()`. */
export interface RegisterOptions {
  /** Skip a request equal to one already waiting in its tube, or given earlier in the same call. @default false */
  ifNotExists?: boolean;
  /**
   * Handle the requests later: after a duration (a number is seconds), or at a
   * `Date`. With `ifNotExists`, a request already deferred for the same tube is
   * skipped, and a due request is appended only if it is not waiting there. @default now
   */
  defer?: Duration | Date;
  /**
   * Handle the requests now and then every interval (a number is seconds)
   * until `queue.unregister()`. The first run is at registration, so a
   * registration is immediately visible; a run is skipped while the previous
   * one still waits in the tube, so runs never pile up. @default once
   */
  recurrent?: Duration;
}

/** Register options after validation. */
export interface ResolvedRegisterOptions {
  readonly ifNotExists: boolean;
  readonly deferMs: number | undefined;
  readonly recurrentMs: number | undefined;
}

/** The defaults: appended now, once, duplicates allowed. */
export const registerDefaults: ResolvedRegisterOptions = Object.freeze({ ifNotExists: false, deferMs: undefined, recurrentMs: undefined });

const keys: readonly string[] = ['ifNotExists', 'defer', 'recurrent'];

/**
 * Whether the last argument of `register(handler, ...requests, options)` is
 * the options: a plain object with only option keys (at least one).
 */
export function isRegisterOptions(value: unknown): value is RegisterOptions {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const own = Object.keys(value);
  return own.length > 0 && own.every((key) => keys.includes(key));
}

/** Validates register options; throws `InvalidOptionError` naming the bad one. */
export function resolveRegisterOptions(options: RegisterOptions | undefined): ResolvedRegisterOptions {
  if (options === undefined) return registerDefaults;
  const given = optionsObject(options, keys) as RegisterOptions;
  const ifNotExists = booleanOption('ifNotExists', given.ifNotExists, registerDefaults.ifNotExists);
  let deferMs: number | undefined;
  if (given.defer instanceof Date) {
    const at = given.defer.getTime();
    if (!Number.isFinite(at)) throw new InvalidOptionError('defer', 'a valid Date', given.defer);
    deferMs = Math.max(0, at - Date.now());
  } else if (given.defer !== undefined) {
    deferMs = durationToMilliseconds('defer', given.defer);
  }
  const recurrentMs = given.recurrent === undefined ? undefined : durationToMilliseconds('recurrent', given.recurrent);
  if (recurrentMs !== undefined && recurrentMs <= 0) throw new InvalidOptionError('recurrent', 'an interval > 0', given.recurrent);
  if (recurrentMs !== undefined && deferMs !== undefined) {
    throw new InvalidOptionError('defer', 'absent when `recurrent` is given (a recurrent request first runs at registration)', given.defer);
  }
  return Object.freeze({ ifNotExists, deferMs, recurrentMs });
}
