import type { GetHint, Source, SourceDepth, SourceDescription, TraceCarrier } from '@conveyor/core';
import { InvalidOptionError } from '@conveyor/core';
import { sleep } from '@conveyor/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { checkClient } from './check-client.js';
import type { RedisClient } from './check-client.js';
import { partitionOf, partitionTags } from './partitions.js';
import { RedisCrossSlotError } from './redis-cross-slot-error.js';
import type { RedisListKeys } from './redis-list-keys.js';
import type { RedisListDeadLetter, RedisListMessage } from './redis-list-message.js';
import type { RedriveOptions } from './redrive-options.js';
import { RedisListSource } from './redis-list-source.js';
import type { RedisListSourceOptions, ResolvedRedisListSourceOptions } from './redis-list-source-options.js';
import { resolveRedisListSourceOptions } from './redis-list-source-options.js';

// How often an empty get() looks again while it waits (as RedisListSource).
const pollSlice = 50;

/**
 * One logical queue spread over `partitions` Redis lists, each a
 * `RedisListSource` in a slot of its own (partition `i`'s list is `{<key>#<i>}`,
 * its slot in the `i`-th slice of the slot space, so on a cluster the
 * partitions spread over the masters). `send()` spreads messages round robin,
 * `sendByKey()` keeps one key's messages in one partition, in order; each
 * `get()` takes one delivery from the next partition in turn (skipping empty
 * ones), so every partition is drained at the same pace whatever the number of
 * pollers. Ids and receipts are the partition's, after `<partition>/`.
 * Everything else (leases, retries, dead letters, raw `RPUSH` producers to a
 * partition's list) is the list source's, per partition.
 *
 * @example
 * const source = new RedisPartitionedListSource<Order>(cluster, { key: 'orders', partitions: 6, bodyFormat: 'json' });
 * await source.sendByKey(customerId, JSON.stringify(order)); // one customer's orders stay in order
 */
export class RedisPartitionedListSource<B = string> implements Source<RedisListMessage<B>> {
  /** The client, one Redis or a Redis Cluster (the caller's: `close()` leaves it open). */
  readonly redis: RedisClient;
  /** The queue's name (partition lists are `{<key>#<i>}`). */
  readonly key: string;
  /** The list source of each partition, in partition order. */
  readonly partitions: readonly RedisListSource<B>[];
  /** Text and JSON bodies are plain JSON data; `Buffer` bodies and a subclass's messages are not. */
  readonly plainJsonMessages: boolean;
  readonly #options: ResolvedRedisListSourceOptions;
  #nextGet = 0;
  #nextSend = 0;
  /** What each delivered message is in its partition (for its trace context; main thread only). */
  readonly #delivered = new WeakMap<RedisListMessage<B>, { readonly partition: number; readonly message: RedisListMessage<B> }>();
  #closed = false;

  constructor(redis: Redis | Cluster, options: RedisListSourceOptions) {
    checkClient(redis);
    this.#options = resolveRedisListSourceOptions(options);
    this.redis = redis;
    this.key = this.#options.key;
    if (/[{}]/.test(this.key)) {
      throw new RedisCrossSlotError(
        'key',
        'a queue name without `{` or `}`',
        this.key,
        'each partition gets a hash tag of its own; a tag in the name would put every partition in one slot',
      );
    }
    const inner: RedisListSourceOptions = { ...options, waitTime: 0, partitions: 1 };
    this.partitions = Object.freeze(
      partitionTags(this.key, this.#options.partitions).map((tag) => new RedisListSource<B>(redis, { ...inner, key: `{${tag}}` })),
    );
    this.plainJsonMessages = this.#options.bodyFormat !== 'buffer' && new.target === RedisPartitionedListSource;
  }

  /** The list and side keys of each partition. */
  get partitionKeys(): readonly RedisListKeys[] {
    return this.partitions.map((partition) => partition.keys);
  }

  /**
   * Appends messages, spread round robin: a call's messages go to the next
   * partition, a long call's in equal runs over all of them. Returns the ids.
   */
  async send(...bodies: (string | Uint8Array)[]): Promise<string[]> {
    const count = this.partitions.length;
    const run = Math.max(1, Math.ceil(bodies.length / count));
    const sends: Promise<string[]>[] = [];
    for (let start = 0; start < bodies.length; start += run) {
      const partition = this.#nextSend;
      this.#nextSend = (partition + 1) % count;
      sends.push(this.#sendTo(partition, bodies.slice(start, start + run)));
    }
    return (await Promise.all(sends)).flat();
  }

  /** Appends messages to the partition of `key` (FNV-1a of its bytes): one key's messages stay in one list, in order. */
  async sendByKey(key: string, ...bodies: (string | Uint8Array)[]): Promise<string[]> {
    if (typeof key !== 'string') throw new InvalidOptionError('key', 'a string (the partitioning key)', key);
    return await this.#sendTo(partitionOf(key, this.partitions.length), bodies);
  }

  /** The partition `sendByKey(key)` writes to. */
  partitionOf(key: string): number {
    return partitionOf(key, this.partitions.length);
  }

  /**
   * One delivery from the next partition that has messages, in turn. A
   * partition that fails (its master failing over) is passed over; only when
   * every partition failed in one round does `get()` throw.
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<RedisListMessage<B>[]> {
    const count = this.partitions.length;
    const deadline = Date.now() + this.#options.waitTime;
    while (!signal.aborted && !this.#closed) {
      let failures = 0;
      let lastError: unknown;
      for (let tried = 0; tried < count && !signal.aborted; tried++) {
        const partition = this.#nextGet;
        this.#nextGet = (partition + 1) % count;
        let messages: RedisListMessage<B>[];
        try {
          messages = await (this.partitions[partition] as RedisListSource<B>).get(signal, hint);
        } catch (error) {
          failures++;
          lastError = error;
          continue;
        }
        if (messages.length > 0) {
          return messages.map((message) => {
            const delivered = outer(partition, message);
            this.#delivered.set(delivered, { partition, message });
            return delivered;
          });
        }
      }
      if (failures === count) throw lastError;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(pollSlice, left), signal);
    }
    return [];
  }

  async cleanup(consumed: RedisListMessage<B>[]): Promise<void> {
    await this.#each(consumed, (partition, messages) => partition.cleanup(messages));
  }

  async release(failed: RedisListMessage<B>[], error: unknown): Promise<void> {
    await this.#each(failed, (partition, messages) => partition.release(messages, error));
  }

  leaseDuration(): number {
    return this.#options.visibilityTimeout;
  }

  /** The trace context the message was sent with (`RedisListSender`'s `traceContext`), if any. */
  traceContext(message: RedisListMessage<B>): TraceCarrier | undefined {
    const delivered = this.#delivered.get(message);
    return delivered === undefined ? undefined : this.partitions[delivered.partition]?.traceContext(delivered.message);
  }

  async extend(messages: RedisListMessage<B>[]): Promise<void> {
    await this.#each(messages, (partition, inner) => partition.extend(inner));
  }

  /** Messages waiting in every partition (lists and backoffs). */
  async size(): Promise<number> {
    return (await this.inspect()).waiting;
  }

  /** Messages delivered and not settled yet, in every partition. */
  async inFlight(): Promise<number> {
    return (await this.inspect()).inFlight ?? 0;
  }

  /** The depth of every partition, added up (one round trip per partition, in parallel). */
  async inspect(): Promise<SourceDepth> {
    const depths = await Promise.all(this.partitions.map((partition) => partition.inspect()));
    let waiting = 0;
    let inFlight = 0;
    let deadLetters = 0;
    for (const depth of depths) {
      waiting += depth.waiting;
      inFlight += depth.inFlight ?? 0;
      deadLetters += depth.deadLetters ?? 0;
    }
    return { waiting, inFlight, deadLetters };
  }

  /** The oldest `max` dead letters of all partitions, oldest first; ids as `<partition>/<id>`. */
  async deadLetters(max = 100): Promise<RedisListDeadLetter[]> {
    const each = await Promise.all(this.partitions.map((partition) => partition.deadLetters(max)));
    const all = each.flatMap((letters, partition) => letters.map((letter) => ({ ...letter, id: `${partition}/${letter.id}` })));
    return all.sort((a, b) => a.at - b.at).slice(0, max);
  }

  /**
   * Sends dead letters back, partition by partition (each to its own list, in
   * the atomic steps of `RedisListSource.redriveDeadLetters()`): all of them, or
   * `limit` in all. Returns how many moved.
   */
  async redriveDeadLetters(options: RedriveOptions = {}): Promise<number> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let moved = 0;
    for (const partition of this.partitions) {
      if (moved >= limit) break;
      moved += await partition.redriveDeadLetters({ ...options, limit: limit - moved });
    }
    return moved;
  }

  /** `{ system: 'redis', destination: <key> }`: the logical queue, not one partition's list. */
  describe(): SourceDescription {
    return { system: 'redis', destination: this.key };
  }

  /** Deletes the lists and side keys of every partition. */
  async clear(): Promise<void> {
    await Promise.all(this.partitions.map((partition) => partition.clear()));
  }

  /** Stops waiting `get()` calls; the client stays open (it is the caller's). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.partitions.map((partition) => partition.close()));
  }

  async #sendTo(partition: number, bodies: (string | Uint8Array)[]): Promise<string[]> {
    const ids = await (this.partitions[partition] as RedisListSource<B>).send(...bodies);
    return ids.map((id) => `${partition}/${id}`);
  }

  /** Splits messages by partition (their receipts say which) and settles each group with its partition's source. */
  async #each(
    messages: readonly RedisListMessage<B>[],
    settle: (partition: RedisListSource<B>, messages: RedisListMessage<B>[]) => Promise<void>,
  ): Promise<void> {
    const groups = new Map<number, RedisListMessage<B>[]>();
    for (const message of messages) {
      const slash = message.receipt.indexOf('/');
      const partition = Number(message.receipt.slice(0, slash));
      if (slash <= 0 || this.partitions[partition] === undefined) continue; // not a receipt of this queue: nothing to settle
      let group = groups.get(partition);
      if (group === undefined) groups.set(partition, (group = []));
      group.push({ ...message, id: message.id.slice(message.id.indexOf('/') + 1), receipt: message.receipt.slice(slash + 1) });
    }
    await Promise.all([...groups].map(([partition, group]) => settle(this.partitions[partition] as RedisListSource<B>, group)));
  }
}

function outer<B>(partition: number, message: RedisListMessage<B>): RedisListMessage<B> {
  return {
    id: `${partition}/${message.id}`,
    body: message.body,
    receiveCount: message.receiveCount,
    receipt: `${partition}/${message.receipt}`,
  };
}
