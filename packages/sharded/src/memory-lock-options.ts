import type { Clock } from '@conveyor/core/kit';
import { clockOption } from '@conveyor/core/kit';
import type { Environment } from './queue-environment.js';
import { resolveLockOptions } from './lock-options.js';

/** Options of `new MemoryLock(options)`. */
export interface MemoryLockOptions {
  /** Milliseconds a lock lives unless extended. Env `QUEUE_LOCK_TIMEOUT` (s). @default 10000 */
  timeout?: number;
  /** Where lock expiry reads the time (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** Memory lock options with every default applied. */
export type ResolvedMemoryLockOptions = Readonly<Required<MemoryLockOptions>>;

/** Validates options over the environment over the defaults and returns a frozen, fully-typed copy. */
export function resolveMemoryLockOptions(options?: MemoryLockOptions, env: Environment = process.env): ResolvedMemoryLockOptions {
  const { timeout } = resolveLockOptions(options, env, ['timeout', 'clock']);
  return Object.freeze({ timeout, clock: clockOption(options?.clock) });
}
