import type { BackoffPolicy } from './backoff.js';
import { limit, milliseconds, oneOf, optionsObject } from './validation.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * The retry discipline of a source that counts receives (memory, Redis list,
 * sharded, file): a failed message comes back after a backoff, and goes to the
 * dead letters after `maxReceiveCount` charged deliveries. One set of names
 * for every such source.
 */
export interface RetryOptions {
  /** Charged deliveries after which a failed message goes to the dead letters. `Infinity`: never. @default 10 */
  maxReceiveCount?: number;
  /**
   * How long a failed message stays invisible before it is delivered again:
   * `baseMs × 2^(receiveCount − 1)` up to `capMs`, with jitter (`false`: at once).
   * @default { baseMs: 500, capMs: 60000, jitter: 'equal' }
   */
  retryBackoff?: BackoffOptions | false;
}

/** A backoff as an option: `baseMs` is required, `capMs` defaults to the source's cap, `jitter` to 'equal'. */
export type BackoffOptions = Pick<BackoffPolicy, 'baseMs'> & Partial<BackoffPolicy>;

/** Retry options with every default applied. */
export interface ResolvedRetryOptions {
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
}

/** The defaults: a failing message can never loop faster than its backoff, and ends in the dead letters. */
export const retryDefaults: ResolvedRetryOptions = Object.freeze({
  maxReceiveCount: 10,
  retryBackoff: Object.freeze({ baseMs: 500, capMs: 60_000, jitter: 'equal' }),
});

/** Validates `maxReceiveCount` and `retryBackoff` of a source's options. */
export function resolveRetryOptions(options: RetryOptions, defaults: ResolvedRetryOptions = retryDefaults): ResolvedRetryOptions {
  return Object.freeze({
    maxReceiveCount: limit('maxReceiveCount', options.maxReceiveCount, defaults.maxReceiveCount),
    retryBackoff: backoffOption('retryBackoff', options.retryBackoff, defaults.retryBackoff),
  });
}

/** A `BackoffPolicy` (or `false` for none). */
export function backoffOption(name: string, value: unknown, fallback: BackoffPolicy | false): BackoffPolicy | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  const given = optionsObject(value, ['baseMs', 'capMs', 'jitter'], {}, name) as Partial<BackoffPolicy>;
  if (given.baseMs === undefined) throw new InvalidOptionError(`${name}.baseMs`, 'a finite number of milliseconds >= 0', given.baseMs);
  const baseMs = milliseconds(`${name}.baseMs`, given.baseMs, 0);
  const capMs = milliseconds(`${name}.capMs`, given.capMs, Math.max(baseMs, fallback === false ? baseMs : fallback.capMs));
  if (capMs < baseMs) throw new InvalidOptionError(`${name}.capMs`, `at least \`${name}.baseMs\` (${baseMs})`, capMs);
  return Object.freeze({ baseMs, capMs, jitter: oneOf(`${name}.jitter`, given.jitter, ['equal', 'full', 'none'], 'equal') });
}
