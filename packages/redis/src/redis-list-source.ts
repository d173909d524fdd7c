import { InvalidOptionError } from '@conveyor/core';
import { nonNegativeNumber, positiveInteger, sleep } from '@conveyor/core/kit';
import type { GetHint, Source, SourceDepth } from '@conveyor/core';
import type { Redis } from 'ioredis';
import { checkClient } from './check-client.js';
import { LuaScript } from './lua-script.js';

/** A message as the Redis list source delivers it. */
export interface RedisListMessage {
  readonly body: string;
  /** Identifies this delivery; settling an older (expired) delivery is ignored. */
  readonly receipt: string;
  /** How many times this body was delivered, this delivery included. */
  readonly receiveCount: number;
}

/** A message that was delivered `maxReceiveCount` times and failed. */
export interface RedisListDeadLetter {
  readonly message: string;
  readonly reason: string;
  readonly receives: number;
  readonly at: number;
}

/** Options of `new RedisListSource(redis, options)`. */
export interface RedisListSourceOptions {
  /** The list (producers may RPUSH to it directly); side keys are `<key>:processing`, `:deliveries`, `:receives`, `:dead`. */
  key: string;
  /** Most messages one `get()` returns. @default 512 */
  maxMessagesPerGet?: number;
  /** Milliseconds a `get()` waits for messages when the list is empty. @default 1000 */
  waitTime?: number;
  /** Milliseconds a delivered message stays invisible; unsettled by then (its consumer died), it is delivered again. @default 30000 */
  visibilityTimeout?: number;
  /** Deliveries after which a released message goes to `<key>:dead`. @default Infinity */
  maxReceiveCount?: number;
}

// How often an empty get() looks again while it waits.
const pollSlice = 50;

/**
 * A Redis list as a Consumer source, at least once: a batched Lua pop moves
 * messages to a processing set with a deadline, `cleanup` acknowledges them,
 * `release` puts them back at the head (or in `<key>:dead` after
 * `maxReceiveCount`), and deliveries of a killed consumer come back once their
 * deadline passes. Message order is kept, redeliveries first.
 */
export class RedisListSource implements Source<RedisListMessage> {
  readonly redis: Redis;
  readonly key: string;
  readonly #keys: { readonly processing: string; readonly deliveries: string; readonly receives: string; readonly dead: string };
  readonly #maxMessagesPerGet: number;
  readonly #waitTime: number;
  readonly #visibilityTimeout: number;
  readonly #maxReceiveCount: number;
  readonly #get = LuaScript.load('list-get-4.lua');
  readonly #cleanup = LuaScript.load('list-cleanup-2.lua');
  readonly #release = LuaScript.load('list-release-4.lua');
  #closed = false;

  constructor(redis: Redis, options: RedisListSourceOptions) {
    checkClient(redis);
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object with a `key`', options);
    if (typeof options.key !== 'string' || options.key === '') throw new InvalidOptionError('key', 'a non-empty string', options.key);
    this.redis = redis;
    this.key = options.key;
    this.#keys = {
      processing: `${options.key}:processing`,
      deliveries: `${options.key}:deliveries`,
      receives: `${options.key}:receives`,
      dead: `${options.key}:dead`,
    };
    this.#maxMessagesPerGet = positiveInteger('maxMessagesPerGet', options.maxMessagesPerGet, 512);
    this.#waitTime = nonNegativeNumber('waitTime', options.waitTime, 1000);
    this.#visibilityTimeout = nonNegativeNumber('visibilityTimeout', options.visibilityTimeout, 30_000);
    const maxReceiveCount = options.maxReceiveCount ?? Number.POSITIVE_INFINITY;
    if (maxReceiveCount !== Number.POSITIVE_INFINITY) positiveInteger('maxReceiveCount', maxReceiveCount, 1);
    this.#maxReceiveCount = maxReceiveCount;
  }

  /** Appends messages at the tail of the list. */
  async send(...bodies: string[]): Promise<void> {
    for (let start = 0; start < bodies.length; start += 10_000) await this.redis.rpush(this.key, ...bodies.slice(start, start + 10_000));
  }

  async get(signal: AbortSignal, hint?: GetHint): Promise<RedisListMessage[]> {
    const max = Math.min(this.#maxMessagesPerGet, Math.max(1, hint?.maxMessages ?? this.#maxMessagesPerGet));
    const deadline = Date.now() + this.#waitTime;
    while (!signal.aborted && !this.#closed) {
      const flat = (await this.#get.run(
        this.redis,
        [this.key, this.#keys.processing, this.#keys.deliveries, this.#keys.receives],
        [Math.ceil(this.#visibilityTimeout), max, max],
      )) as (string | number)[];
      if (flat.length > 0) {
        const messages: RedisListMessage[] = new Array<RedisListMessage>(flat.length / 2);
        for (let index = 0; index < flat.length; index += 2) {
          const receipt = flat[index] as string;
          messages[index / 2] = { body: receipt.slice(16), receipt, receiveCount: flat[index + 1] as number };
        }
        return messages;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(pollSlice, left), signal);
    }
    return [];
  }

  async cleanup(consumed: RedisListMessage[]): Promise<void> {
    if (consumed.length === 0) return;
    await this.#cleanup.run(
      this.redis,
      [this.#keys.processing, this.#keys.receives],
      consumed.map((message) => message.receipt),
    );
  }

  async release(failed: RedisListMessage[], error: unknown): Promise<void> {
    if (failed.length === 0) return;
    const max = this.#maxReceiveCount === Number.POSITIVE_INFINITY ? 0 : this.#maxReceiveCount;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // Oldest delivery first, so they go back to the head in their order.
    const receipts = failed.map((message) => message.receipt).sort();
    await this.#release.run(
      this.redis,
      [this.key, this.#keys.processing, this.#keys.receives, this.#keys.dead],
      [max, reason, ...receipts],
    );
  }

  /** Messages waiting in the list (not in flight). */
  size(): Promise<number> {
    return this.redis.llen(this.key);
  }

  /** Messages delivered and not yet settled (or expired). */
  inFlight(): Promise<number> {
    return this.redis.zcard(this.#keys.processing);
  }

  /** The oldest `max` dead letters. */
  async deadLetters(max = 100): Promise<RedisListDeadLetter[]> {
    return (await this.redis.lrange(this.#keys.dead, 0, max - 1)).map((entry) => JSON.parse(entry) as RedisListDeadLetter);
  }

  /** The list's depth: waiting (LLEN), in flight (the processing set), dead letters. */
  async inspect(): Promise<SourceDepth> {
    const [waiting, inFlight, deadLetters] = await Promise.all([
      this.redis.llen(this.key),
      this.redis.zcard(this.#keys.processing),
      this.redis.llen(this.#keys.dead),
    ]);
    return { waiting, inFlight, deadLetters };
  }

  /** Stops waiting `get()` calls; the client stays open (it is the caller's). */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
