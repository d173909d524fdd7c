import type { Clock } from './clock.js';

/**
 * Callers waiting for something to arrive (a message, a notification), each
 * with its own timeout and abort signal: `wake()` lets them all go at once.
 * What a long-polling `get()` waits on.
 */
export class Wakeup {
  readonly #clock: Clock;
  readonly #waiters = new Set<() => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Resolves on `wake()`, after `ms`, or when `signal` aborts (never rejects). */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        timer.clear();
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Lets every waiter go. */
  wake(): void {
    for (const done of [...this.#waiters]) done();
  }
}
