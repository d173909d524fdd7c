import { milliseconds, nonEmptyString, optionsObject } from '@conveyor/core/kit';
import type { Environment, EnvironmentSpec } from './queue-environment.js';
import { environmentDefaults } from './queue-environment.js';

/** What every lock driver takes (`MemoryLock` only the timeout): the original library's `QUEUE_LOCK_*` settings. */
export interface LockOptions {
  /** Prefix of lock keys. Env `QUEUE_LOCK_PREFIX`. @default 'lock_' */
  prefix?: string;
  /**
   * Milliseconds a lock lives without a heartbeat. The holder extends it every
   * third of this, so a dead worker's threads are free again after at most this
   * long. Env `QUEUE_LOCK_TIMEOUT` (s). @default 10000 (the original's 24 h froze the threads of dead workers)
   */
  timeout?: number;
}

/** Lock options with every default applied. */
export type ResolvedLockOptions = Readonly<Required<LockOptions>>;

/** The defaults (before the environment). */
export const lockDefaults: ResolvedLockOptions = Object.freeze({ prefix: 'lock_', timeout: 10_000 });

const lockEnvironment: EnvironmentSpec<keyof LockOptions> = Object.freeze({
  prefix: ['QUEUE_LOCK_PREFIX', 'text'],
  timeout: ['QUEUE_LOCK_TIMEOUT', 'positiveSeconds'],
} as const);

/**
 * Validates lock options over the environment over the defaults (`known`: the
 * keys a driver accepts); throws `InvalidOptionError` naming the bad option or variable.
 */
export function resolveLockOptions(
  options?: LockOptions,
  env: Environment = process.env,
  known: readonly string[] = ['prefix', 'timeout'],
): ResolvedLockOptions {
  const given = optionsObject(options, known) as LockOptions;
  // A driver's own options (a clock) are its to check: only the shared ones are read here.
  const fallback = environmentDefaults(lockDefaults, lockEnvironment, env);
  return Object.freeze({
    prefix: given.prefix === undefined ? fallback.prefix : nonEmptyString('prefix', given.prefix),
    timeout: milliseconds('timeout', given.timeout, fallback.timeout, { positive: true }),
  });
}
