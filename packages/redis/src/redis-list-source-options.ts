import { InvalidOptionError, consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { RetryOptions } from '@conveyor/core/kit';
import { integerIn, loggerOption, milliseconds, nonEmptyString, oneOf, optionsObject, resolveRetryOptions } from '@conveyor/core/kit';
import type { BackoffPolicy } from '@conveyor/core/kit';
import { maxPartitions } from './partitions.js';

/** How the source decodes the bytes Redis holds before a handler sees them. */
export type RedisBodyFormat = 'text' | 'json' | 'buffer';

/** Options of `new RedisListSource(redis, options)`. */
export interface RedisListSourceOptions extends RetryOptions {
  /**
   * The list. Producers append to it with `send()`, or `RPUSH` raw bodies to it
   * directly. Side keys share its Redis Cluster slot: `{<key>}:processing`... (see `redisListKeys`).
   */
  key: string;
  /**
   * How bodies are decoded: `'text'` (UTF-8, strictly), `'json'` (UTF-8, then
   * `JSON.parse`) or `'buffer'` (the bytes as they are, a `Buffer`). A body that
   * does not decode goes to the dead letters at once with a `RedisBodyDecodeError`.
   * @default 'text'
   */
  bodyFormat?: RedisBodyFormat;
  /** Most messages one `get()` returns (fewer when the consumer has less room), up to 10000. @default 512 */
  maxMessagesPerGet?: number;
  /** Milliseconds a `get()` waits for messages when the list is empty (it looks every 50 ms). @default 1000 */
  waitTime?: number;
  /**
   * Milliseconds a delivered message stays invisible; neither cleaned up nor
   * released by then (its consumer died), it is delivered again, and that
   * delivery counts as a receive. Measured by the Redis server's clock. @default 30000
   */
  visibilityTimeout?: number;
  /** Where the source reports messages it settled on its own (undecodable bodies). @default warnings and errors to stderr */
  logger?: Logger;
  /**
   * Make `send()` resolve only once `replicas` replicas of the master confirmed
   * the write (`WAIT replicas timeoutMs` on the master's connection), so a
   * master that dies right after does not take acknowledged messages with it.
   * Fewer confirmations in time: `send()` rejects with a `RedisReplicationError`
   * (the messages were written and may still arrive: send again, duplicates
   * possible). `false`: `send()` resolves once the master has the messages
   * (Redis replicates asynchronously; a failover may lose the last writes).
   * @default false
   */
  durableSend?: false | { readonly replicas: number; readonly timeoutMs?: number };
  /**
   * Spread the queue over this many lists, each in its own Redis Cluster slot
   * (on different masters when it is a multiple of their number), with
   * `RedisPartitionedListSource` only: `key` then names the queue and must not
   * hold a hash tag. @default 1
   */
  partitions?: number;
}

/** The options with every default applied. */
export interface ResolvedRedisListSourceOptions {
  readonly key: string;
  readonly bodyFormat: RedisBodyFormat;
  readonly maxMessagesPerGet: number;
  readonly waitTime: number;
  readonly visibilityTimeout: number;
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
  readonly logger: Logger;
  readonly durableSend: false | { readonly replicas: number; readonly timeoutMs: number };
  readonly partitions: number;
}

/** The defaults of every option that has one (`maxReceiveCount`, `retryBackoff`: the kit's `retryDefaults`). */
export const redisListSourceDefaults = Object.freeze({
  bodyFormat: 'text',
  maxMessagesPerGet: 512,
  waitTime: 1000,
  visibilityTimeout: 30_000,
  durableSend: false,
  partitions: 1,
  /** `durableSend.timeoutMs`. */
  durableSendTimeoutMs: 1000,
});

const known = [
  'key',
  'bodyFormat',
  'maxMessagesPerGet',
  'waitTime',
  'visibilityTimeout',
  'maxReceiveCount',
  'retryBackoff',
  'logger',
  'durableSend',
  'partitions',
];

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveRedisListSourceOptions(options: RedisListSourceOptions): ResolvedRedisListSourceOptions {
  const given = optionsObject(options, known) as Partial<RedisListSourceOptions>;
  const retry = resolveRetryOptions(given);
  return Object.freeze({
    key: nonEmptyString('key', given.key),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['text', 'json', 'buffer'], redisListSourceDefaults.bodyFormat),
    maxMessagesPerGet: integerIn('maxMessagesPerGet', given.maxMessagesPerGet, 1, 10_000, redisListSourceDefaults.maxMessagesPerGet),
    waitTime: milliseconds('waitTime', given.waitTime, redisListSourceDefaults.waitTime),
    visibilityTimeout: milliseconds('visibilityTimeout', given.visibilityTimeout, redisListSourceDefaults.visibilityTimeout, {
      positive: true,
    }),
    maxReceiveCount: retry.maxReceiveCount,
    retryBackoff: retry.retryBackoff,
    logger: loggerOption(given.logger, consoleLogger),
    durableSend: durableSendOption(given.durableSend),
    partitions: integerIn('partitions', given.partitions, 1, maxPartitions, redisListSourceDefaults.partitions),
  });
}

function durableSendOption(value: unknown): ResolvedRedisListSourceOptions['durableSend'] {
  if (value === undefined || value === false) return false;
  const given = optionsObject(value, ['replicas', 'timeoutMs'], {}, 'durableSend') as { replicas?: unknown; timeoutMs?: unknown };
  return Object.freeze({
    replicas: given.replicas === undefined ? missingReplicas() : integerIn('durableSend.replicas', given.replicas, 1, 100, 1),
    timeoutMs: milliseconds('durableSend.timeoutMs', given.timeoutMs, redisListSourceDefaults.durableSendTimeoutMs, { positive: true }),
  });
}

function missingReplicas(): never {
  throw new InvalidOptionError('durableSend.replicas', 'an integer from 1 to 100 (replicas that must confirm each send)', undefined);
}
