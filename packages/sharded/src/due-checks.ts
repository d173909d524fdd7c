import type { Queue } from './queue.js';
import type { WorkerSettings } from './settings.js';

/**
 * When a worker (or a sharded source) moves due deferred and recurrent
 * requests to their tubes: at the latest every `deferredRetryDelay` /
 * `recurrentCheckInterval`, and exactly when the next known entry is due.
 */
export class DueChecks {
  readonly #queue: Queue;
  readonly #settings: WorkerSettings;
  #nextDeferred = 0;
  #nextRecurrent = 0;

  constructor(queue: Queue, settings: WorkerSettings) {
    this.#queue = queue;
    this.#settings = settings;
  }

  /** Promotes what is due, if a check is due; cheap otherwise (one clock read). */
  async run(): Promise<void> {
    const now = Date.now();
    const { deferredRetryDelay, recurrentCheckInterval, recurrentTasksLimit } = this.#settings;
    if (now >= this.#nextDeferred) {
      const result = await this.#queue.promoteDeferred(recurrentTasksLimit);
      this.#nextDeferred = Date.now() + Math.min(deferredRetryDelay, result.nextDueIn ?? Number.POSITIVE_INFINITY);
    }
    if (now >= this.#nextRecurrent) {
      const result = await this.#queue.promoteRecurrent(recurrentTasksLimit);
      this.#nextRecurrent = Date.now() + Math.min(recurrentCheckInterval, result.nextDueIn ?? Number.POSITIVE_INFINITY);
    }
  }

  /** Milliseconds until the next check, capped at `max`. */
  until(max: number): number {
    const now = Date.now();
    return Math.max(0, Math.min(max, this.#nextDeferred - now, this.#nextRecurrent - now));
  }
}

/** An error as a dead-letter reason. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
