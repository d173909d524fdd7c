import type { Clock, ClockTimer } from '../kit/clock.js';
import type { Source } from '../sources/source.js';

export interface LeaseKeeperHooks {
  /** Every message the consumer holds now: waiting in its buffer, being handled, being settled. */
  readonly held: () => readonly unknown[];
  /** `source.extend()` (or `leaseDuration()`) threw; the leases of these messages may lapse (they would be delivered again). */
  readonly onExtendError: (error: unknown, messages: number) => void;
}

type LeasedSource<M> = Source<M> & Required<Pick<Source<M>, 'extend' | 'leaseDuration'>>;

/**
 * The one lease keeper of a consumer: every half lease (`source.leaseDuration()`)
 * it renews, from the main thread, the lease of every message the consumer holds
 * — waiting in its buffer, being handled, being settled — in one
 * `source.extend()` call, so a deep buffer or CPU-bound handlers never cause a
 * redelivery. It asks the pipeline what it holds only when it renews: nothing is
 * tracked per message. A source without `extend` costs nothing: no keeper is made.
 */
export class LeaseKeeper<M> {
  readonly #source: LeasedSource<M>;
  readonly #clock: Clock;
  readonly #hooks: LeaseKeeperHooks;
  #timer: ClockTimer | undefined;
  #renewing: Promise<void> | undefined;
  #stopped = false;

  constructor(source: LeasedSource<M>, clock: Clock, hooks: LeaseKeeperHooks) {
    this.#source = source;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** A keeper when the source can extend leases; undefined otherwise. */
  static for<M>(source: Source<M>, clock: Clock, hooks: LeaseKeeperHooks): LeaseKeeper<M> | undefined {
    if (typeof source.extend !== 'function' || typeof source.leaseDuration !== 'function') return undefined;
    return new LeaseKeeper(source as LeasedSource<M>, clock, hooks);
  }

  start(): void {
    this.#schedule();
  }

  /** Stops renewing (after the drain, before the source closes); waits for a renewal in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.clear();
    this.#timer = undefined;
    await this.#renewing;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const lease = this.#leaseDuration();
    // Not known yet (an SQS queue's timeout comes with its first receive): look again in a second.
    const wait = lease === undefined || !(lease > 0) ? 1_000 : Math.max(25, lease / 2);
    this.#timer = this.#clock.setTimeout(() => this.#tick(), wait).unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (this.#leaseDuration() !== undefined) this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined));
    this.#schedule();
  }

  async #renew(): Promise<void> {
    const held = this.#hooks.held() as M[];
    if (held.length === 0) return;
    try {
      await this.#source.extend(held);
    } catch (error) {
      this.#hooks.onExtendError(error, held.length);
    }
  }

  /** The source's lease, or undefined when it cannot tell (a throwing `leaseDuration()` is reported, never thrown at a poller). */
  #leaseDuration(): number | undefined {
    try {
      return this.#source.leaseDuration();
    } catch (error) {
      this.#hooks.onExtendError(error, 0);
      return undefined;
    }
  }
}
