import { silentLogger } from '@conveyor/core';
import type { Clock } from '@conveyor/core/kit';
import type { Lock, Storage, WorkerOptions } from '@conveyor/sharded';

/** Worker options for tests: silent, and no idle pauses to wait through. */
export const quick = { logger: silentLogger, emptyPause: 0, emptyLimit: 1, acquireDelay: 20 } as const;

/**
 * A fresh storage and lock (unique prefix on a shared server), how time passes
 * for them, and how to remove them.
 */
export interface Drivers {
  readonly storage: Storage<unknown>;
  readonly lock: Lock;
  /**
   * The clock the drivers read (a `ManualClock` for the memory drivers); the
   * workers of the time-bound scenarios get it too. `undefined` for drivers
   * that read time elsewhere (Redis reads it on the server with `TIME`).
   */
  readonly clock?: Clock | undefined;
  /**
   * Lets `ms` of the drivers' time pass: advances the `ManualClock` (at once),
   * or waits for real (Redis). Scenarios that wait for lock expiry, heartbeats,
   * deferred and recurrent runs do it through this, never through a sleep of their own.
   */
  readonly advance: (ms: number) => Promise<void>;
  dispose(): Promise<void>;
}

export interface DriverOptions {
  /** Milliseconds the lock lives without a heartbeat. */
  readonly lockTimeout?: number;
}

/** Opens drivers for one scenario; they are disposed after it. */
export type OpenDrivers = (options?: DriverOptions) => Promise<Drivers>;

/** Worker options that put a worker on the drivers' clock, when they have one. */
export function onClock(clock: Clock | undefined): Pick<WorkerOptions, 'clock'> {
  return clock === undefined ? {} : { clock };
}
