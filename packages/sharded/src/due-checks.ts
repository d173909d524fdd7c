import type { Clock } from '@conveyor/core/kit';
import type { Queue } from './queue.js';
import type { ResolvedWorkerOptions } from './worker-options.js';

/** The options due checks read (a Worker's and a ShardedSource's have them). */
export type DueCheckOptions = Pick<ResolvedWorkerOptions, 'deferredRetryDelay' | 'recurrentCheckInterval' | 'recurrentTasksLimit'>;

/**
 * When a worker (or a sharded source) moves due deferred and recurrent
 * requests to their tubes: at the latest every `deferredRetryDelay` /
 * `recurrentCheckInterval`, and exactly when the next known entry is due.
 */
export class DueChecks {
  readonly #queue: Queue;
  readonly #options: DueCheckOptions;
  readonly #clock: Clock;
  #nextDeferred = 0;
  #nextRecurrent = 0;

  constructor(queue: Queue, options: DueCheckOptions, clock: Clock) {
    this.#queue = queue;
    this.#options = options;
    this.#clock = clock;
  }

  /** Promotes what is due, if a check is due; cheap otherwise (one clock read). */
  async run(): Promise<void> {
    const now = this.#clock.now();
    const { deferredRetryDelay, recurrentCheckInterval, recurrentTasksLimit } = this.#options;
    if (now >= this.#nextDeferred) {
      const result = await this.#queue.promoteDeferred(recurrentTasksLimit);
      this.#nextDeferred = this.#clock.now() + Math.min(deferredRetryDelay, result.nextDueIn ?? Number.POSITIVE_INFINITY);
    }
    if (now >= this.#nextRecurrent) {
      const result = await this.#queue.promoteRecurrent(recurrentTasksLimit);
      this.#nextRecurrent = this.#clock.now() + Math.min(recurrentCheckInterval, result.nextDueIn ?? Number.POSITIVE_INFINITY);
    }
  }

  /** Milliseconds until the next check, capped at `max`. */
  until(max: number): number {
    const now = this.#clock.now();
    return Math.max(0, Math.min(max, this.#nextDeferred - now, this.#nextRecurrent - now));
  }
}
