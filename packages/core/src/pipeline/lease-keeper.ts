import type { Clock, ClockTimer } from '../kit/clock.js';
import type { Source } from '../sources/source.js';

/** One get() result the keeper holds leases for. */
interface Hold<M> {
  readonly messages: readonly M[];
  open: number;
  renewedAt: number;
}

export interface LeaseKeeperHooks {
  /** `source.extend()` threw; the leases of these messages may lapse (they would be delivered again). */
  readonly onExtendError: (error: unknown, messages: number) => void;
}

/**
 * The one lease keeper of a consumer: it renews, from the main thread, the
 * lease of every message the consumer holds — waiting in its buffer, being
 * handled, or being settled — before it lapses (half-way through
 * `source.leaseDuration()`), in one `source.extend()` call per renewal, so a
 * deep buffer or CPU-bound handlers never cause a redelivery. A source without
 * `extend` costs nothing: the keeper is not created.
 */
export class LeaseKeeper<M> {
  readonly #source: Source<M> & Required<Pick<Source<M>, 'extend' | 'leaseDuration'>>;
  readonly #clock: Clock;
  readonly #hooks: LeaseKeeperHooks;
  readonly #holdOf = new Map<M, Hold<M>>();
  #holds: Hold<M>[] = [];
  #timer: ClockTimer | undefined;
  #renewing: Promise<void> | undefined;
  #stopped = false;

  constructor(source: Source<M> & Required<Pick<Source<M>, 'extend' | 'leaseDuration'>>, clock: Clock, hooks: LeaseKeeperHooks) {
    this.#source = source;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** A keeper when the source can extend leases; undefined otherwise. */
  static for<M>(source: Source<M>, clock: Clock, hooks: LeaseKeeperHooks): LeaseKeeper<M> | undefined {
    if (typeof source.extend !== 'function' || typeof source.leaseDuration !== 'function') return undefined;
    return new LeaseKeeper(source as Source<M> & Required<Pick<Source<M>, 'extend' | 'leaseDuration'>>, clock, hooks);
  }

  /** Messages in flight the keeper renews. */
  get held(): number {
    return this.#holdOf.size;
  }

  /** A get() result arrived: its leases are the keeper's until the messages are settled. */
  track(messages: readonly M[]): void {
    if (this.#stopped || messages.length === 0) return;
    const hold: Hold<M> = { messages, open: messages.length, renewedAt: this.#clock.now() };
    for (const message of messages) this.#holdOf.set(message, hold);
    this.#holds.push(hold);
    this.#schedule();
  }

  /** These messages were settled: their leases are the source's business again. */
  settled(messages: readonly M[]): void {
    for (const message of messages) {
      const hold = this.#holdOf.get(message);
      if (hold === undefined) continue;
      this.#holdOf.delete(message);
      hold.open--;
    }
  }

  /** Stops renewing (after the drain, before the source closes); waits for a renewal in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.clear();
    this.#timer = undefined;
    await this.#renewing;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const lease = this.#leaseDuration();
    if (lease === undefined || !(lease > 0)) {
      // Not known yet (an SQS queue's timeout comes with its first receive): look again soon.
      this.#timer = this.#clock.setTimeout(() => this.#tick(), 1_000).unref();
      return;
    }
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(50, lease / 4)).unref();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#holds = this.#holds.filter((hold) => hold.open > 0);
    if (this.#holds.length === 0 || this.#stopped) return;
    const lease = this.#leaseDuration();
    if (lease !== undefined && lease > 0) this.#renewing ??= this.#renew(lease).finally(() => (this.#renewing = undefined));
    this.#schedule();
  }

  /** The source's lease, or undefined when it cannot tell (a throwing `leaseDuration()` is reported, never thrown at a poller). */
  #leaseDuration(): number | undefined {
    try {
      return this.#source.leaseDuration();
    } catch (error) {
      this.#hooks.onExtendError(error, this.#holdOf.size);
      return undefined;
    }
  }

  async #renew(lease: number): Promise<void> {
    const now = this.#clock.now();
    const due: M[] = [];
    for (const hold of this.#holds) {
      if (now - hold.renewedAt < lease / 2) continue;
      hold.renewedAt = now;
      for (const message of hold.messages) if (this.#holdOf.get(message) === hold) due.push(message);
    }
    if (due.length === 0) return;
    try {
      await this.#source.extend(due);
    } catch (error) {
      this.#hooks.onExtendError(error, due.length);
    }
  }
}
