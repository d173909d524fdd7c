import type { Clock } from '../kit/clock.js';
import { sleep } from '../kit/sleep.js';

/** At most `messages` handled per `per` milliseconds. */
export interface RateLimit {
  readonly messages: number;
  readonly per: number;
}

/**
 * Paces how many messages the consumer hands to handlers. The consumer asks
 * before each parcel; a limiter shared by several processes (a Redis token
 * bucket, `RedisRateLimiter` in `@conveyor/redis`) makes them share one budget.
 */
export interface RateLimiter {
  /** The most messages one `acquire()` may ask for (the consumer sizes parcels under it). */
  readonly capacity: number;
  /** Resolves when `count` messages may be handled; resolves early when `signal` aborts. */
  acquire(count: number, signal: AbortSignal): Promise<void>;
}

/**
 * A token bucket in this process: `messages` tokens, refilled continuously at
 * `messages / per` a millisecond; callers are served in arrival order.
 */
export class TokenBucket implements RateLimiter {
  readonly capacity: number;
  readonly #perMs: number;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit, clock: Clock) {
    this.capacity = limit.messages;
    this.#perMs = limit.messages / limit.per;
    this.#clock = clock;
    this.#tokens = limit.messages;
    this.#refilledAt = clock.now();
  }

  acquire(count: number, signal: AbortSignal): Promise<void> {
    const wanted = Math.min(Math.max(count, 0), this.capacity);
    const turn = this.#queue.then(() => this.#take(wanted, signal));
    this.#queue = turn;
    return turn;
  }

  async #take(count: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#refilledAt) * this.#perMs);
      this.#refilledAt = now;
      if (this.#tokens >= count || signal.aborted) {
        this.#tokens -= count;
        return;
      }
      await sleep(Math.ceil((count - this.#tokens) / this.#perMs), signal, this.#clock);
    }
  }
}
