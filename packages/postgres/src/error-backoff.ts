import { FailureStreak } from '@conveyor/core/kit';
import type { Clock } from '@conveyor/core/kit';
import type { PostgresOperation } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { Faults } from './faults.js';

/** The first wait after a failed claim; it doubles with each failure in a row, up to `maxErrorBackoff`. */
const errorBackoffBaseMs = 100;

/**
 * How `get()` survives a failing server: a transient error (connection refused
 * or cut, the server restarting, out of connections) is reported and waited out
 * (exponential, with jitter, on the source's clock) so the poller lives on; an
 * error retrying cannot fix (no such table) rejects.
 */
export class ErrorBackoff {
  readonly #streak: FailureStreak;
  readonly #faults: Faults;
  readonly #display: string;

  constructor(maxMs: number, clock: Clock, faults: Faults, display: string) {
    this.#streak = new FailureStreak({ baseMs: errorBackoffBaseMs, capMs: maxMs, clock });
    this.#faults = faults;
    this.#display = display;
  }

  /** A statement went through: the next failure waits the shortest time again. */
  succeeded(): void {
    this.#streak.succeeded();
  }

  /** A statement of get() failed: rethrows what retrying cannot fix; otherwise reports and waits (until `signal` aborts). */
  async failed(error: unknown, operation: PostgresOperation, signal: AbortSignal): Promise<void> {
    const mapped = toPostgresError(error, operation, this.#display);
    if (!mapped.retryable) throw mapped;
    if (signal.aborted) return;
    this.#faults.report(mapped);
    await this.#streak.failed(signal);
  }
}
