import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Clock, ClockTimer } from './clock.js';

interface Scheduled {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cleared: boolean;
}

/**
 * A clock that moves only when told: `advance(ms)` runs every callback that
 * falls due, in time order, letting promise chains settle between them. Tests
 * of visibility timeouts, heartbeats and backoff use it instead of sleeping.
 */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #scheduled: Scheduled[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const entry: Scheduled = { at: this.#now + Math.max(0, ms), order: this.#order++, callback, cleared: false };
    this.#scheduled.push(entry);
    const timer: ClockTimer = {
      clear: () => void (entry.cleared = true),
      unref: () => timer,
    };
    return timer;
  }

  /** Callbacks scheduled and not run or cleared yet. */
  get pending(): number {
    return this.#scheduled.filter((entry) => !entry.cleared).length;
  }

  /**
   * Moves time forward by `ms`, running due callbacks in order; between two
   * callbacks (and at the end) it yields a macrotask so awaiting code can react
   * and schedule more, which runs too if it falls due within the window.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await nextMacrotask();
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.at);
      next.cleared = true;
      next.callback();
      await nextMacrotask();
    }
    this.#now = target;
    this.#scheduled = this.#scheduled.filter((entry) => !entry.cleared);
    await nextMacrotask();
  }

  #nextDue(target: number): Scheduled | undefined {
    let next: Scheduled | undefined;
    for (const entry of this.#scheduled) {
      if (entry.cleared || entry.at > target) continue;
      if (next === undefined || entry.at < next.at || (entry.at === next.at && entry.order < next.order)) next = entry;
    }
    return next;
  }
}
