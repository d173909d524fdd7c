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
  return new TokenBucket(rateLimitOption('rateLimit', value, ', or a RateLimiter') as RateLimit, clock);
}

/** `{ messages, per }`, checked and frozen, for the option `name`. */
export function rateLimitOption(name: string, value: unknown, orElse = ''): RateLimit | undefined {
  if (value === undefined) return undefined;
  const given = optionsObject(value, ['messages', 'per'], {}, name) as Partial<RateLimit>;
  if (given.messages === undefined || given.per === undefined) {
    throw new InvalidOptionError(name, `an object like { messages: 100, per: 1000 } (100 messages a second)${orElse}`, value);
  }
  const messages = positiveInteger(`${name}.messages`, given.messages, 1);
  const per = milliseconds(`${name}.per`, given.per, 1000, { positive: true });
  return Object.freeze({ messages, per });
}
