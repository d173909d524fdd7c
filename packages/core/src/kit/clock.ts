/** A pending callback of a `Clock`. */
export interface ClockTimer {
  /** Cancels the callback if it has not run yet. */
  clear(): void;
  /** Lets the process exit while the timer is pending (system clock only; a no-op elsewhere). */
  unref(): this;
}

/**
 * Where timing code reads the time and schedules callbacks. Sources and the
 * consumer take one so that tests can replace real waiting (visibility timeouts,
 * heartbeats, backoff) with a `ManualClock` they advance.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
}

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer = setTimeout(callback, ms);
    const handle: ClockTimer = {
      clear: () => clearTimeout(timer),
      unref: () => {
        timer.unref();
        return handle;
      },
    };
    return handle;
  },
});
