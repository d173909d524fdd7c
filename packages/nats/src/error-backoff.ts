import { FailureStreak } from '@conveyor/core/kit';
import type { Clock } from '@conveyor/core/kit';
import { toNatsError } from './errors/error-mapping.js';
import type { NatsOperation } from './errors/nats-error.js';
import type { Faults } from './faults.js';

/** The first wait after a failed fetch; it doubles with each failure in a row, up to `maxErrorBackoff`. */
const errorBackoffBaseMs = 100;

/**
 * How `get()` survives a failing NATS: a transient error (a lost connection the
 * client is re-establishing, a fetch cut short) is reported and waited out
 * (exponential, with jitter, on the source's clock) so the poller lives on; an
 * error retrying cannot fix (no such stream, a contradicting consumer) rejects.
 */
export class ErrorBackoff {
  readonly #streak: FailureStreak;
  readonly #faults: Faults;

  constructor(maxMs: number, clock: Clock, faults: Faults) {
    this.#streak = new FailureStreak({ baseMs: errorBackoffBaseMs, capMs: maxMs, clock });
    this.#faults = faults;
  }

  /** A fetch went through: the next failure waits the shortest time again. */
  succeeded(): void {
    this.#streak.succeeded();
  }

  /** A get() failed: rethrows what retrying cannot fix; otherwise reports and waits (until `signal` aborts). */
  async failed(error: unknown, operation: NatsOperation, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const mapped = toNatsError(error, operation);
    if (!('retryable' in mapped) || mapped.retryable !== true) throw mapped;
    this.#faults.report(mapped, operation);
    await this.#streak.failed(signal);
  }
}
