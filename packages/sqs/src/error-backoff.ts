import { FailureStreak } from '@conveyor/core/kit';
import type { Clock } from '@conveyor/core/kit';
import { isAbortError, toSqsError } from './errors/error-mapping.js';
import type { SqsOperation } from './errors/sqs-error.js';
import type { Faults } from './faults.js';

/** The first wait after a failed receive; it doubles with each failure in a row, up to `maxErrorBackoff`. */
const errorBackoffBaseMs = 100;

/**
 * How `get()` survives a failing SQS: a transient error (network, throttling,
 * server) is reported and waited out (exponential, with jitter, on the source's
 * clock) so the poller lives on; an error retrying cannot fix rejects.
 */
export class ErrorBackoff {
  readonly #streak: FailureStreak;
  readonly #faults: Faults;

  constructor(maxMs: number, clock: Clock, faults: Faults) {
    this.#streak = new FailureStreak({ baseMs: errorBackoffBaseMs, capMs: maxMs, clock });
    this.#faults = faults;
  }

  /** A call went through: the next failure waits the shortest time again. */
  succeeded(): void {
    this.#streak.succeeded();
  }

  /** A get() failed: rethrows what retrying cannot fix; otherwise reports and waits (until `signal` aborts). */
  async failed(error: unknown, operation: SqsOperation, signal: AbortSignal): Promise<void> {
    if (signal.aborted || isAbortError(error)) return;
    const mapped = toSqsError(error, operation);
    if (!mapped.retryable) throw mapped;
    this.#faults.report(mapped, mapped.operation);
    await this.#streak.failed(signal);
  }
}
