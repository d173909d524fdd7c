import { setImmediate as nextMacrotask } from 'node:timers/promises';

/**
 * Decides the consumer prefetch once, before the source first consumes. With
 * `'auto'`, it is the room the Consumer gives the `get()` calls that arrive in
 * the first moment (its pollers start together and share `maxInFlight` among
 * them), so the broker pushes about as many messages as the Consumer may hold,
 * and none that would wait unhandled in the source's backlog.
 */
export class PrefetchPlan {
  readonly #fixed: number | undefined;
  readonly #max: number;
  #demand = 0;
  #decided: Promise<number> | undefined;
  #value: number | undefined;

  constructor(option: number | 'auto', max: number) {
    this.#fixed = option === 'auto' ? undefined : option;
    this.#max = max;
  }

  /** The prefetch, once decided. */
  get value(): number | undefined {
    return this.#value;
  }

  /** A `get()` asking for `room` messages: counted while the plan is open; resolves to the prefetch. */
  decide(room: number): Promise<number> {
    if (this.#value !== undefined) return Promise.resolve(this.#value);
    this.#demand += room;
    this.#decided ??= this.#settle();
    return this.#decided;
  }

  async #settle(): Promise<number> {
    if (this.#fixed === undefined) {
      // Two turns: every poller started in the same turn has called get() by then.
      await nextMacrotask();
      await nextMacrotask();
    }
    this.#value = Math.max(1, Math.min(this.#max, this.#fixed ?? this.#demand));
    return this.#value;
  }
}
