import { consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import { InvalidOptionError } from '@conveyor/core';
import { loggerOption, milliseconds, optionsObject, positiveInteger } from '@conveyor/core/kit';
import { slotBase } from './cluster-slot.js';

/** Options of `new RedisRateLimiter(redis, options)`. */
export interface RedisRateLimiterOptions {
  /**
   * The budget's name: every `RedisRateLimiter` with this key on the same Redis
   * shares one budget. Its bucket is stored at `{<key>}:bucket` (or
   * `<key>:bucket` when the key has a hash tag), one key, so it works on Redis Cluster.
   */
  key: string;
  /** Messages allowed per `per` milliseconds, across every process sharing the key. */
  messages: number;
  /** The window of `messages`, in milliseconds. @default 1000 */
  per?: number;
  /**
   * The bucket's size: the most messages that may go at once after a quiet
   * time. The handled count over any time `t` stays within `burst + messages × t / per`.
   * @default messages
   */
  burst?: number;
  /**
   * The most tokens one `acquire()` asks for; the consumer cuts its parcels under
   * it. Small takes share the budget evenly between processes (a process waits
   * for at most this many tokens at a time).
   * @default about 100 ms of the budget: max(1, min(burst, ceil(messages × 100 / per)))
   */
  maxTake?: number;
  /** Where the limiter reports that Redis fails (it then waits and retries: no message goes without its token). @default warnings and errors to stderr */
  logger?: Logger;
}

/** The options with every default applied. */
export interface ResolvedRedisRateLimiterOptions {
  readonly key: string;
  /** The Redis key of the bucket. */
  readonly bucketKey: string;
  readonly messages: number;
  readonly per: number;
  readonly burst: number;
  readonly maxTake: number;
  readonly logger: Logger;
}

/** The defaults of the options that have a fixed one. */
export const redisRateLimiterDefaults = Object.freeze({ per: 1000 });

const known = ['key', 'messages', 'per', 'burst', 'maxTake', 'logger'];

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveRedisRateLimiterOptions(options: RedisRateLimiterOptions): ResolvedRedisRateLimiterOptions {
  const given = optionsObject(options, known) as Partial<RedisRateLimiterOptions>;
  const base = slotBase(given.key, 'key');
  if (given.messages === undefined) {
    throw new InvalidOptionError(
      'messages',
      'a positive integer (messages allowed per `per` ms, e.g. { messages: 100, per: 1000 })',
      undefined,
    );
  }
  const messages = positiveInteger('messages', given.messages, 1);
  const per = milliseconds('per', given.per, redisRateLimiterDefaults.per, { positive: true });
  const burst = positiveInteger('burst', given.burst, messages);
  const maxTake = positiveInteger('maxTake', given.maxTake, Math.max(1, Math.min(burst, Math.ceil((messages * 100) / per))));
  if (maxTake > burst) {
    throw new InvalidOptionError('maxTake', `at most \`burst\` (${burst}): a take larger than the bucket could never be served`, maxTake);
  }
  return Object.freeze({
    key: given.key as string,
    bucketKey: `${base}:bucket`,
    messages,
    per,
    burst,
    maxTake,
    logger: loggerOption(given.logger, consoleLogger),
  });
}
