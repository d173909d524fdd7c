import type { Clock } from '../kit/clock.js';
import type { OrderingKey } from './lane-queue.js';
import type { RateLimit } from './rate-limiter.js';

/**
 * A key's credit and when it was counted. Credit is tokens × `per`: it grows by
 * `messages` a millisecond, and a token costs `per`, so with whole milliseconds
 * the arithmetic is exact (a 2-per-second key has its token after exactly 500 ms).
 */
interface Bucket {
  credit: number;
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
  readonly #messages: number;
  readonly #per: number;
  /** A full bucket's credit: `messages` tokens. */
  readonly #full: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<OrderingKey, Bucket>();
  #sweptAt: number;

  constructor(limit: RateLimit, clock: Clock) {
    this.#messages = limit.messages;
    this.#per = limit.per;
    this.#full = limit.messages * limit.per;
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
    const credit = bucket === undefined ? this.#full : this.#credit(bucket, now);
    if (credit >= this.#per) {
      if (bucket === undefined) this.#buckets.set(key, { credit: credit - this.#per, at: now });
      else [bucket.credit, bucket.at] = [credit - this.#per, now];
      return 0;
    }
    return Math.max(1, Math.ceil((this.#per - credit) / this.#messages));
  }

  #credit(bucket: Bucket, now: number): number {
    return Math.min(this.#full, bucket.credit + (now - bucket.at) * this.#messages);
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < this.#per) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) if (this.#credit(bucket, now) >= this.#full) this.#buckets.delete(key);
  }
}
