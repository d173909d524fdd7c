import { backoffDelay } from './backoff.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { sleep } from './sleep.js';

/**
 * How a source's `get()` waits out a broker that keeps failing: each failure in
 * a row doubles the wait from `baseMs` up to `capMs`, with jitter (consumers
 * that failed together do not retry together), on the source's clock; a call
 * that goes through starts the streak again.
 */
export class FailureStreak {
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #clock: Clock;
  #inARow = 0;

  constructor(options: { readonly baseMs?: number; readonly capMs: number; readonly clock?: Clock }) {
    this.#baseMs = options.baseMs ?? 100;
    this.#capMs = Math.max(this.#baseMs, options.capMs);
    this.#clock = options.clock ?? systemClock;
  }

  /** Failures in a row so far. */
  get inARow(): number {
    return this.#inARow;
  }

  /** A call went through: the next failure waits the shortest time again. */
  succeeded(): void {
    this.#inARow = 0;
  }

  /** One more failure: waits its backoff (resolves early when `signal` aborts). */
  async failed(signal?: AbortSignal): Promise<void> {
    this.#inARow++;
    await sleep(backoffDelay(this.#inARow, { baseMs: this.#baseMs, capMs: this.#capMs, jitter: 'equal' }), signal, this.#clock);
  }
}
