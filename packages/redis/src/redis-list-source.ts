import { InvalidOptionError } from '@conveyor/core';
import type { GetHint, Logger, Source, SourceDepth, SourceDescription, TraceCarrier } from '@conveyor/core';
import type { BackoffPolicy } from '@conveyor/core/kit';
import { backoffDelay, errorMessage, isPoison, isUncharged, sleep } from '@conveyor/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { checkClient } from './check-client.js';
import type { RedisClient } from './check-client.js';
import { decodeBodies } from './body-decoder.js';
import { listBodies } from './list-bodies.js';
import type { DeliveryBatch, FailureMode } from './list-store.js';
import { ListStore, decodeTraceContext } from './list-store.js';
import type { RedriveOptions } from './redrive-options.js';
import { redriveInSteps } from './redrive-options.js';
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
  /** The trace contexts of delivered messages that were sent with one (main thread only: nothing crosses to pool threads). */
  readonly #traceContexts = new WeakMap<RedisListMessage<B>, TraceCarrier>();
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
    return await this.#store.append(listBodies(bodies), undefined, this.#options.durableSend);
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

  /**
   * Sends dead letters back to the queue, oldest first, each with its id and a
   * fresh receive count, at the tail of the list: all of them, or the oldest
   * `limit`. They move in atomic steps of `batchSize` (one script call each), so
   * an interrupted redrive loses nothing and moves nothing twice. Returns how many moved.
   */
  async redriveDeadLetters(options: RedriveOptions = {}): Promise<number> {
    return redriveInSteps(options, (max) => this.#store.redrive(max));
  }

  /** The trace context the message was sent with (`RedisListSender`'s `traceContext`), if any. */
  traceContext(message: RedisListMessage<B>): TraceCarrier | undefined {
    return this.#traceContexts.get(message);
  }

  /** `{ system: 'redis', destination: <list key> }`. */
  describe(): SourceDescription {
    return { system: 'redis', destination: this.key };
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
    const { delivery, ids, receiveCounts, traceContexts } = batch;
    const { bodies, failed } = decodeBodies<B>(this.#options.bodyFormat, batch.bodies, ids);
    const messages = new Array<RedisListMessage<B>>(ids.length - failed.length);
    const prefix = `${delivery}:`;
    for (let index = 0, next = 0; index < ids.length; index++) {
      const body = bodies[index];
      if (body === undefined) continue;
      const id = ids[index] as string;
      const message = { id, body, receiveCount: receiveCounts?.[index] ?? 1, receipt: `${prefix}${index}:${id}` };
      messages[next++] = message;
      const traceContext = decodeTraceContext(traceContexts?.[index]);
      if (traceContext !== undefined) this.#traceContexts.set(message, traceContext);
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
