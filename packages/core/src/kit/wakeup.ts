import type { Clock } from './clock.js';

/**
 * Callers waiting for something to arrive (a message, a notification), each
 * with its own timeout and abort signal: `wake()` lets them all go at once.
 * What a long-polling `get()` waits on.
 */
export class Wakeup {
  readonly #clock: Clock;
  readonly #unref: boolean;
  readonly #waiters = new Set<() => void>();

  /**
   * With `unref`, a wait's timer does not keep the process alive: for a source
   * whose connection does (a wait on a memory source is all that keeps a
   * process of in-memory work running, so its timers stay ref'd).
   */
  constructor(clock: Clock, options?: { readonly unref?: boolean }) {
    this.#clock = clock;
    this.#unref = options?.unref === true;
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
      const timer = this.#clock.setTimeout(done, Math.max(0, ms));
      if (this.#unref) timer.unref();
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Lets every waiter go. */
  wake(): void {
    for (const done of [...this.#waiters]) done();
  }
}
