import type { Clock } from '../kit/clock.js';
import type { OrderingKey } from './lane-queue.js';
import type { RateLimit } from './rate-limiter.js';

/** A key's tokens and when they were counted. */
interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per ordering key (`keyRateLimit`): each key may have
 * `messages` handed out per `per` ms. The lanes ask for one token when they
 * hand out a key's head; a key without one waits aside while other keys go on.
 * A bucket that has filled up again is the same as no bucket, so idle keys are
 * forgotten (swept once per `per`): memory follows the keys recently active.
 */
export class KeyBuckets {
  readonly #burst: number;
  readonly #per: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<OrderingKey, Bucket>();
  #sweptAt: number;

  constructor(limit: RateLimit, clock: Clock) {
    this.#burst = limit.messages;
    this.#per = limit.per;
    this.#clock = clock;
    this.#sweptAt = clock.now();
  }

  /** Keys with a bucket that is not full (recently active). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token of `key`: 0 when taken, else the milliseconds until it has one. */
  take(key: OrderingKey): number {
    const now = this.#clock.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key);
    const tokens = bucket === undefined ? this.#burst : this.#refilled(bucket, now);
    if (tokens >= 1) {
      if (bucket === undefined) this.#buckets.set(key, { tokens: tokens - 1, at: now });
      else [bucket.tokens, bucket.at] = [tokens - 1, now];
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - tokens) * this.#per) / this.#burst));
  }

  // Multiplied before divided: half a window of a 2-per-second key refills exactly 1 token, not 0.999….
  #refilled(bucket: Bucket, now: number): number {
    return Math.min(this.#burst, bucket.tokens + ((now - bucket.at) * this.#burst) / this.#per);
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < this.#per) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) {
      if (this.#refilled(bucket, now) >= this.#burst) this.#buckets.delete(key);
    }
  }
}
