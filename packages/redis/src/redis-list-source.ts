import type { GetHint, Logger, Source, SourceDepth } from '@conveyor/core';
import { InvalidOptionError } from '@conveyor/core';
import type { BackoffPolicy } from '@conveyor/core/kit';
import { backoffDelay, errorMessage, isPoison, isUncharged, sleep } from '@conveyor/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { checkClient } from './check-client.js';
import type { RedisClient } from './check-client.js';
import { decodeBodies } from './body-decoder.js';
import type { DeliveryBatch, FailureMode } from './list-store.js';
import { ListStore } from './list-store.js';
import type { RedisListKeys } from './redis-list-keys.js';
import { redisListKeys } from './redis-list-keys.js';
import type { RedisListDeadLetter, RedisListMessage } from './redis-list-message.js';
import type { RedisListSourceOptions, ResolvedRedisListSourceOptions } from './redis-list-source-options.js';
import { resolveRedisListSourceOptions } from './redis-list-source-options.js';

// How often an empty get() looks again while it waits.
const pollSlice = 50;
// Longest error text kept with a dead letter.
const maxErrorText = 2000;

/**
 * A Redis list as a Consumer source, at least once, binary-safe, Redis Cluster
 * ready. Bodies are stored once (a hash by message id); the list holds ids;
 * each `get()` is one Lua call that delivers up to `maxMessagesPerGet` messages
 * as one delivery with a deadline; `cleanup` acknowledges a whole batch in one call; `release` brings a charged failure back after its backoff,
 * or to the dead letters after `maxReceiveCount` receives, and an uncharged
 * one back to the head at once, uncounted. Deliveries of a dead consumer come
 * back when their visibility lapses. Producers may `RPUSH` raw bodies to the
 * list directly (never starting with a 0x00 byte): they are adopted on first delivery.
 * Storage layout and scripts: docs/adr/0008-redis-list-layout.md and `lua/list-*.lua`.
 *
 * @example
 * const source = new RedisListSource<Order>(redis, { key: 'orders', bodyFormat: 'json' });
 * await source.send(JSON.stringify(order));
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 64 });
 */
export class RedisListSource<B = string> implements Source<RedisListMessage<B>> {
  /** The client, one Redis or a Redis Cluster (the caller's: `close()` leaves it open). */
  readonly redis: RedisClient;
  /** The list's key. */
  readonly key: string;
  /** The list and its side keys. */
  readonly keys: RedisListKeys;
  readonly #options: ResolvedRedisListSourceOptions;
  readonly #store: ListStore;
  readonly #logger: Logger;
  /** `maxReceiveCount` as the scripts take it (0: unlimited). */
  readonly #maxReceives: number;
  #closed = false;

  constructor(redis: Redis | Cluster, options: RedisListSourceOptions) {
    checkClient(redis);
    this.#options = resolveRedisListSourceOptions(options);
    if (this.#options.partitions !== 1) {
      throw new InvalidOptionError(
        'partitions',
        '1 for a RedisListSource',
        this.#options.partitions,
        'use RedisPartitionedListSource for a partitioned queue',
      );
    }
    this.redis = redis;
    this.key = this.#options.key;
    this.keys = redisListKeys(this.key);
    this.#store = new ListStore(redis, this.keys);
    this.#logger = this.#options.logger;
    this.#maxReceives = Number.isFinite(this.#options.maxReceiveCount) ? this.#options.maxReceiveCount : 0;
    this.plainJsonMessages = this.#options.bodyFormat !== 'buffer' && new.target === RedisListSource;
  }

  /**
   * Text and JSON bodies are plain JSON data (the consumer skips its wire check);
   * `Buffer` bodies are not, nor the messages of a subclass (it may add to them).
   */
  readonly plainJsonMessages: boolean;

  /** Appends messages at the tail of the list (strings as UTF-8, bytes as they are); returns their ids. */
  async send(...bodies: (string | Uint8Array)[]): Promise<string[]> {
    const values = bodies.map((body, index) => {
      if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
      if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      throw new InvalidOptionError(`bodies[${index}]`, 'a string or bytes (Buffer, Uint8Array)', body);
    });
    return await this.#store.append(values, this.#options.durableSend);
  }

  async get(signal: AbortSignal, hint?: GetHint): Promise<RedisListMessage<B>[]> {
    const max = Math.min(this.#options.maxMessagesPerGet, Math.max(1, hint?.maxMessages ?? this.#options.maxMessagesPerGet));
    const deadline = Date.now() + this.#options.waitTime;
    while (!signal.aborted && !this.#closed) {
      const batch = await this.#store.take(max, Math.ceil(this.#options.visibilityTimeout), this.#maxReceives);
      if (batch !== undefined) {
        const messages = await this.#decodeAll(batch);
        if (messages.length > 0) return messages;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(pollSlice, left), signal);
    }
    return [];
  }

  /** Acknowledges consumed messages: one script call for the whole batch. */
  async cleanup(consumed: RedisListMessage<B>[]): Promise<void> {
    if (consumed.length === 0) return;
    const receipts = new Array<string>(consumed.length);
    for (let index = 0; index < consumed.length; index++) receipts[index] = (consumed[index] as RedisListMessage<B>).receipt;
    await this.#store.acknowledge(receipts);
  }

  /**
   * Gives failed messages back. Uncharged (`isUncharged(error)`: the handler never
   * had them): to the head at once, and this delivery does not count. Charged:
   * invisible for `backoffDelay(receiveCount, retryBackoff)`, or to the dead
   * letters once `maxReceiveCount` receives are reached. Poison (`isPoison(error)`:
   * it can never be handled): to the dead letters at once.
   */
  async release(failed: RedisListMessage<B>[], error: unknown): Promise<void> {
    if (failed.length === 0) return;
    await this.#settleFailed(isUncharged(error) ? 'uncharged' : isPoison(error) ? 'dead' : 'charged', failed, error);
  }

  /** How long a delivery stays invisible unless renewed: `visibilityTimeout`. */
  leaseDuration(): number {
    return this.#options.visibilityTimeout;
  }

  /**
   * Renews the visibility of these messages' deliveries (one script call); the
   * consumer's lease keeper calls it for every message it holds, so a deep
   * buffer or long handlers never let a delivery lapse.
   */
  async extend(messages: RedisListMessage<B>[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#store.renew(
      messages.map((message) => message.receipt),
      Math.ceil(this.#options.visibilityTimeout),
    );
  }

  /** Messages waiting to be delivered: in the list, and released ones waiting for their backoff. */
  async size(): Promise<number> {
    const depth = await this.#store.depth();
    return depth.ready + depth.delayed;
  }

  /** Messages delivered and not settled yet (nor lapsed). */
  async inFlight(): Promise<number> {
    return (await this.#store.depth()).inFlight;
  }

  /** The oldest `max` dead letters, bodies as bytes. */
  deadLetters(max = 100): Promise<RedisListDeadLetter[]> {
    return this.#store.deadLetters(max);
  }

  /** The queue's depth in one round trip: waiting (list and delayed), in flight, dead letters. */
  async inspect(): Promise<SourceDepth> {
    const depth = await this.#store.depth();
    return { waiting: depth.ready + depth.delayed, inFlight: depth.inFlight, deadLetters: depth.deadLetters };
  }

  /** Deletes the list and every side key: messages, deliveries in flight, dead letters. */
  clear(): Promise<void> {
    return this.#store.clear();
  }

  /** Stops waiting `get()` calls; the client stays open (it is the caller's). */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Decodes each body; a body that does not decode goes to the dead letters now, never to a handler. */
  async #decodeAll(batch: DeliveryBatch): Promise<RedisListMessage<B>[]> {
    const { delivery, ids, receiveCounts } = batch;
    const { bodies, failed } = decodeBodies<B>(this.#options.bodyFormat, batch.bodies, ids);
    const messages = new Array<RedisListMessage<B>>(ids.length - failed.length);
    const prefix = `${delivery}:`;
    for (let index = 0, next = 0; index < ids.length; index++) {
      const body = bodies[index];
      if (body === undefined) continue;
      const id = ids[index] as string;
      messages[next++] = { id, body, receiveCount: receiveCounts?.[index] ?? 1, receipt: `${prefix}${index}:${id}` };
    }
    for (const { index, error } of failed) {
      const id = ids[index] as string;
      await this.#settleFailed('dead', [{ receipt: `${prefix}${index}:${id}`, receiveCount: receiveCounts?.[index] ?? 1 }], error);
      this.#logger.warn({ err: error, key: this.key, id }, 'undecodable body moved to the dead letters');
    }
    return messages;
  }

  async #settleFailed(mode: FailureMode, failed: readonly { receipt: string; receiveCount: number }[], error: unknown): Promise<void> {
    const policy: BackoffPolicy | false = this.#options.retryBackoff;
    const receipts = failed.map((message) => message.receipt);
    const delays = failed.map((message) =>
      mode === 'charged' && policy !== false ? Math.ceil(backoffDelay(message.receiveCount, policy)) : 0,
    );
    await this.#store.settleFailed(mode, receipts, delays, this.#maxReceives, describeError(error));
  }
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : errorMessage(error);
  return text.length > maxErrorText ? `${text.slice(0, maxErrorText)}…` : text;
}
