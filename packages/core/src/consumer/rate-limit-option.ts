import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { Clock } from '../kit/clock.js';
import { milliseconds, optionsObject, positiveInteger } from '../kit/validation.js';
import type { RateLimit, RateLimiter } from '../pipeline/rate-limiter.js';
import { TokenBucket } from '../pipeline/rate-limiter.js';

/** `{ messages, per }` becomes a token bucket here; a `RateLimiter` is used as is. */
export function rateLimiterOption(value: unknown, clock: Clock): RateLimiter | undefined {
  if (value === undefined) return undefined;
  if (value !== null && typeof value === 'object' && typeof (value as Partial<RateLimiter>).acquire === 'function') {
    positiveInteger('rateLimit.capacity', (value as Partial<RateLimiter>).capacity, 1);
    return value as RateLimiter;
  }
  const given = optionsObject(value, ['messages', 'per'], {}, 'rateLimit') as Partial<RateLimit>;
  if (given.messages === undefined || given.per === undefined) {
    throw new InvalidOptionError(
      'rateLimit',
      'an object like { messages: 100, per: 1000 } (100 messages a second), or a RateLimiter',
      value,
    );
  }
  const messages = positiveInteger('rateLimit.messages', given.messages, 1);
  const per = milliseconds('rateLimit.per', given.per, 1000, { positive: true });
  return new TokenBucket({ messages, per }, clock);
}
