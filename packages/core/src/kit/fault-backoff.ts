import type { Clock } from './clock.js';
import { FailureStreak } from './failure-streak.js';

/** What a `FaultBackoff` is told: how to type a driver's error, how to report it, what to let pass. */
export interface FaultBackoffOptions<Operation, Fault extends Error> {
  /** The longest wait between two failed calls in a row, in ms (the first waits `baseMs`). */
  readonly capMs: number;
  /** @default 100 */
  readonly baseMs?: number;
  /** @default the system clock */
  readonly clock?: Clock;
  /** The driver's typed error for what `operation` threw; `retryable: true` when the same call may succeed later. */
  readonly map: (error: unknown, operation: Operation) => Fault;
  /** Reports a transient fault that is being waited out (the source's `error` event, a log line). */
  readonly report: (fault: Fault, operation: Operation) => void;
  /** Errors that are not faults at all (an aborted call): they end `failed()` at once, unreported. */
  readonly ignore?: (error: unknown) => boolean;
}

/**
 * How a source's `get()` survives a failing broker: a transient error (a lost
 * connection, throttling, a server restarting) is reported and waited out, with
 * a `FailureStreak`, so the poller lives on; an error retrying cannot fix (no
 * such queue, credentials refused) is thrown, and the supervisor reports the
 * poller's death. A call that goes through starts the streak again.
 */
export class FaultBackoff<Operation, Fault extends Error> {
  readonly #streak: FailureStreak;
  readonly #options: FaultBackoffOptions<Operation, Fault>;

  constructor(options: FaultBackoffOptions<Operation, Fault>) {
    this.#options = options;
    this.#streak = new FailureStreak({
      baseMs: options.baseMs ?? 100,
      capMs: options.capMs,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }

  /** A call went through: the next failure waits the shortest time again. */
  succeeded(): void {
    this.#streak.succeeded();
  }

  /**
   * A call of `get()` failed: nothing to do once `signal` aborted (shutdown) or
   * for an ignored error; throws the typed error when retrying cannot fix it;
   * otherwise reports it and waits its backoff (until `signal` aborts).
   */
  async failed(error: unknown, operation: Operation, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.#options.ignore?.(error) === true) return;
    const fault = this.#options.map(error, operation);
    if ((fault as { readonly retryable?: unknown }).retryable !== true) throw fault;
    this.#options.report(fault, operation);
    await this.#streak.failed(signal);
  }
}
