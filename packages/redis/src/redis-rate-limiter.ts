import type { Cluster, Redis } from 'ioredis';
import type { RateLimiter } from '@conveyor/core';
import { FailureStreak, errorMessage, sleep } from '@conveyor/core/kit';
import { checkClient } from './check-client.js';
import { LuaScript } from './lua-script.js';
import type { RedisRateLimiterOptions, ResolvedRedisRateLimiterOptions } from './redis-rate-limiter-options.js';
import { resolveRedisRateLimiterOptions } from './redis-rate-limiter-options.js';

/**
 * A token bucket in Redis, shared by every consumer (in any process, on any
 * machine) that names the same key: together they handle at most `messages`
 * per `per` ms (plus `burst` after a quiet time). Give it to a consumer as
 * `rateLimit`. Time is the Redis server's (`TIME` in the script), so the
 * processes' clocks do not matter.
 *
 * Each `acquire()` takes what the bucket has (up to what it still needs) in one
 * script call and sleeps the time the script says the rest needs: no busy loop.
 * Calls of one process are served in arrival order. When Redis fails, the
 * limiter waits and retries with backoff: no message is handled without its token.
 */
export class RedisRateLimiter implements RateLimiter {
  /** The most tokens one `acquire()` takes (`maxTake`). */
  readonly capacity: number;
  readonly options: ResolvedRedisRateLimiterOptions;
  readonly #redis: Redis | Cluster;
  readonly #script = LuaScript.load('rate-take-1.lua');
  readonly #perMs: number;
  readonly #failures = new FailureStreak({ baseMs: 100, capMs: 5_000 });
  #queue: Promise<void> = Promise.resolve();

  constructor(redis: Redis | Cluster, options: RedisRateLimiterOptions) {
    checkClient(redis);
    this.options = resolveRedisRateLimiterOptions(options);
    this.capacity = this.options.maxTake;
    this.#perMs = this.options.messages / this.options.per;
    this.#redis = redis;
  }

  /** Resolves once `count` tokens (at most `capacity`) were taken; resolves early when `signal` aborts. Never rejects. */
  acquire(count: number, signal: AbortSignal): Promise<void> {
    const wanted = Math.min(Math.max(Math.floor(count), 0), this.capacity);
    const turn = this.#queue.then(() => this.#take(wanted, signal));
    this.#queue = turn;
    return turn;
  }

  /**
   * Takes up to `count` tokens now without waiting (at most `capacity`) and
   * returns how many it got, with the milliseconds until the rest could be there.
   */
  async tryTake(count: number): Promise<{ readonly granted: number; readonly waitMs: number }> {
    const wanted = Math.min(Math.max(Math.floor(count), 0), this.capacity);
    const reply = (await this.#script.run(this.#redis, [this.options.bucketKey], [this.options.burst, this.#perMs, wanted])) as [
      number,
      number,
    ];
    return { granted: Number(reply[0]), waitMs: Number(reply[1]) };
  }

  async #take(wanted: number, signal: AbortSignal): Promise<void> {
    let held = 0;
    while (held < wanted && !signal.aborted) {
      let reply: { readonly granted: number; readonly waitMs: number };
      try {
        reply = await this.tryTake(wanted - held);
        this.#failures.succeeded();
      } catch (error) {
        if (this.#failures.inARow === 0) {
          this.options.logger.warn(
            { err: error, key: this.options.key },
            `Redis rate limiter ${this.options.key}: Redis failed (${errorMessage(error)}); waiting for it, no message goes without a token`,
          );
        }
        await this.#failures.failed(signal);
        continue;
      }
      // Tokens taken stay taken: the next call asks only for the rest.
      held += reply.granted;
      if (held < wanted) await sleep(reply.waitMs, signal);
    }
  }
}
