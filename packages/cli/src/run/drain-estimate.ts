/** How fast a queue empties, for the live view's time to drain. */
export interface DrainState {
  /** Messages waiting at the last read. */
  readonly waiting: number;
  /** Net messages per second leaving the queue (negative: it grows); `undefined` until two reads. */
  readonly rate: number | undefined;
}

/**
 * Measures a queue's net drain rate from successive reads of its waiting
 * count: (previous − current) / elapsed, smoothed (an exponential moving
 * average over about `smoothing` reads) so one bursty interval does not swing
 * the estimate. Producers count against it: a queue fed as fast as it is
 * consumed is not draining, whatever the consumer's own rate.
 */
export class DrainEstimate {
  readonly #weight: number;
  #last: { at: number; waiting: number } | undefined;
  #rate: number | undefined;

  /** `smoothing`: reads the average spans (1: the last interval only). @default 5 */
  constructor(smoothing = 5) {
    this.#weight = 2 / (Math.max(1, smoothing) + 1);
  }

  /** Records a read of `waiting` messages at `at` (ms, any monotonic clock) and returns the state. */
  observe(waiting: number, at: number): DrainState {
    const last = this.#last;
    if (last !== undefined && at > last.at) {
      const sample = ((last.waiting - waiting) * 1000) / (at - last.at);
      this.#rate = this.#rate === undefined ? sample : this.#rate + this.#weight * (sample - this.#rate);
    }
    if (last === undefined || at > last.at) this.#last = { at, waiting };
    return this.state;
  }

  get state(): DrainState {
    return { waiting: this.#last?.waiting ?? 0, rate: this.#rate };
  }
}
