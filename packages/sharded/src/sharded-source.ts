import { ConveyorError } from '@conveyor/core';
import { objectWithMethods, sleep } from '@conveyor/core/kit';
import type { ClockTimer } from '@conveyor/core/kit';
import type { Bulk, GetHint, Logger, Source } from '@conveyor/core';
import { describeError } from './describe-error.js';
import { DueChecks } from './due-checks.js';
import { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';
import type { Lock } from './lock.js';
import type { Queue } from './queue.js';
import type { AnyRequestHandlerClass } from './request-handler.js';
import { createShardedHandler } from './sharded-handler.js';
import type { ShardedBulkHandler } from './sharded-handler.js';
import type { ShardedMessage } from './sharded-message.js';
import { ThreadLease } from './thread-lease.js';
import type { ResolvedShardedSourceOptions, ShardedSourceOptions } from './sharded-source-options.js';
import { resolveShardedSourceOptions } from './sharded-source-options.js';
import { handlerNameOfThread } from './tube.js';

interface OpenLease {
  readonly id: number;
  readonly thread: string;
  readonly tube: string;
  readonly offset: number;
  readonly count: number;
  readonly lease: ThreadLease;
  /** Gives the lease up at the visibility timeout, even while pollers wait for room. */
  readonly expiry: ClockTimer;
  /** 0 open, 1 consumed, 2 failed. */
  readonly states: Uint8Array;
  settled: number;
  failure: unknown;
}

const pollSlice = 50;

/**
 * A sharded queue as a Consumer source: each `get()` binds a free thread
 * through the lock and delivers a batch of its most urgent tube; the thread
 * stays locked (heartbeat) until every message of the batch is cleaned up or
 * released, then consumed ones are acknowledged and failed ones stay at the
 * head, in order (dead-lettered after `maxReceiveCount`).
 *
 * ```ts
 * const source = new ShardedSource(queue, lock, { maxMessagesPerGet: 64 });
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 64 });
 * ```
 */
export class ShardedSource<R = unknown> implements Source<ShardedMessage<R>> {
  readonly queue: Queue;
  readonly lock: Lock;
  /** The options in force (defaults and environment applied). */
  readonly options: ResolvedShardedSourceOptions;
  readonly #filter: ReadonlySet<AnyRequestHandlerClass> | undefined;
  readonly #maxMessagesPerGet: number;
  readonly #waitTime: number;
  readonly #visibilityTimeout: number;
  readonly #logger: Logger;
  readonly #leases = new Map<number, OpenLease>();
  readonly #heldThreads = new Set<string>();
  readonly #reportedUnknown = new Set<string>();
  #nextLease = 1;
  readonly #dueChecks: DueChecks;
  #closed = false;
  #runner: ShardedBulkHandler | undefined;

  constructor(queue: Queue, lock: Lock, options?: ShardedSourceOptions) {
    this.queue = objectWithMethods<Queue>('queue', queue, ['register', 'decode'], 'a Queue');
    this.lock = objectWithMethods<Lock>('lock', lock, ['acquire', 'extend', 'release', 'exists'], 'a Lock (MemoryLock, RedisLock, ...)');
    this.options = resolveShardedSourceOptions(options);
    this.#filter = this.options.requestHandlers;
    this.#maxMessagesPerGet = this.options.maxMessagesPerGet;
    this.#waitTime = this.options.waitTime;
    this.#visibilityTimeout = this.options.visibilityTimeout;
    this.#logger = this.options.logger;
    this.#dueChecks = new DueChecks(queue, this.options, this.options.clock);
  }

  /** Messages delivered and not yet settled. */
  get inFlight(): number {
    let open = 0;
    for (const lease of this.#leases.values()) open += lease.count - lease.settled;
    return open;
  }

  async get(signal: AbortSignal, hint?: GetHint): Promise<ShardedMessage<R>[]> {
    const deadline = this.options.clock.now() + this.#waitTime;
    const max = Math.min(this.#maxMessagesPerGet, Math.max(1, hint?.maxMessages ?? this.#maxMessagesPerGet));
    while (!signal.aborted && !this.#closed) {
      await this.#dueChecks.run();
      for (const thread of await this.queue.storage.threads(this.options.acquireSample)) {
        if (this.#heldThreads.has(thread) || !this.#wanted(thread)) continue;
        const delivered = await this.#deliver(thread, max);
        if (delivered !== undefined) return delivered;
      }
      const left = deadline - this.options.clock.now();
      if (left <= 0) break;
      await sleep(Math.min(pollSlice, left), signal, this.options.clock);
    }
    return [];
  }

  cleanup(consumed: ShardedMessage<R>[]): Promise<void> {
    return this.#mark(consumed, 1, undefined);
  }

  release(failed: ShardedMessage<R>[], error: unknown): Promise<void> {
    return this.#mark(failed, 2, error);
  }

  /**
   * The inline handler: runs the registered `RequestHandler` classes (see
   * `createShardedHandler()`; pool threads export that from their handler module).
   */
  handler(bulk: Bulk<ShardedMessage<R>>): Promise<void> {
    this.#runner ??= createShardedHandler(this.queue.requestHandlers);
    return this.#runner(bulk);
  }

  /** Gives up open leases (their messages come back) and stops the inline handlers. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#leases.values()];
    this.#leases.clear();
    for (const lease of open) await this.#letGo(lease);
    await this.#runner?.stop();
  }

  #wanted(thread: string): boolean {
    const name = handlerNameOfThread(thread);
    const handlerClass = name === undefined ? undefined : this.queue.requestHandlers.get(name);
    if (handlerClass === undefined) {
      if (!this.#reportedUnknown.has(thread)) {
        this.#reportedUnknown.add(thread);
        this.#logger.warn({ thread }, new UnknownRequestHandlerError(name ?? thread).message);
      }
      return false;
    }
    return this.#filter === undefined || this.#filter.has(handlerClass);
  }

  async #deliver(thread: string, max: number): Promise<ShardedMessage<R>[] | undefined> {
    const storage = this.queue.storage;
    const lease = await ThreadLease.acquire(
      this.lock,
      thread,
      () => this.#logger.warn({ thread }, 'a delivered thread lost its lock; its messages may be delivered twice'),
      this.options.clock,
    );
    if (lease === undefined) return undefined;
    try {
      const peeked = await storage.peek(thread, max);
      const messages: ShardedMessage<R>[] = [];
      if (peeked !== undefined) {
        const handler = handlerNameOfThread(thread) as string;
        const id = this.#nextLease++;
        for (const stored of peeked.messages) {
          let request: unknown;
          try {
            request = this.queue.decode(peeked.tube, stored);
          } catch (error) {
            if (messages.length > 0) break;
            this.#logger.warn({ err: error, tube: peeked.tube }, 'a stored message cannot be deserialized; it goes to the dead letters');
            await storage.settle({ tube: peeked.tube, thread, offset: peeked.offset, count: 1 }, [0], {
              reason: 'malformed message',
              maxFailures: 1,
            });
            break;
          }
          messages.push({ handler, thread, tube: peeked.tube, request: request as R, lease: id, index: messages.length });
        }
        if (messages.length > 0) {
          const expiry = this.options.clock.setTimeout(() => void this.#expire(id), this.#visibilityTimeout).unref();
          this.#leases.set(id, {
            id,
            thread,
            tube: peeked.tube,
            offset: peeked.offset,
            count: messages.length,
            lease,
            expiry,
            states: new Uint8Array(messages.length),
            settled: 0,
            failure: undefined,
          });
          this.#heldThreads.add(thread);
          return messages;
        }
      }
      await lease.release();
      return undefined;
    } catch (error) {
      await lease.release().catch(() => {});
      throw error;
    }
  }

  async #mark(messages: ShardedMessage<R>[], state: 1 | 2, error: unknown): Promise<void> {
    const complete: OpenLease[] = [];
    for (const message of messages) {
      const lease = this.#leases.get(message.lease);
      // A lease given up (visibility timeout, close) is delivered again: late settles are ignored.
      if (lease === undefined || lease.states[message.index] !== 0) continue;
      lease.states[message.index] = state;
      lease.settled++;
      if (state === 2 && lease.failure === undefined) lease.failure = error;
      if (lease.settled === lease.count) {
        this.#leases.delete(lease.id);
        complete.push(lease);
      }
    }
    for (const lease of complete) await this.#finish(lease);
  }

  /** Every message of a lease is settled: acknowledge in one atomic call, then free the thread. */
  async #finish(lease: OpenLease): Promise<void> {
    try {
      const failed: number[] = [];
      lease.states.forEach((state, index) => {
        if (state === 2) failed.push(index);
      });
      // Messages handed back by a shutdown did not fail: do not count it against them.
      const counted = failed.length > 0 && !(lease.failure instanceof ConveyorError && lease.failure.code === 'SHUTDOWN');
      const result = await this.queue.storage.settle(
        { tube: lease.tube, thread: lease.thread, offset: lease.offset, count: lease.count },
        failed,
        counted ? { reason: describeError(lease.failure), maxFailures: this.options.maxReceiveCount } : undefined,
      );
      if (result.stale)
        this.#logger.warn(
          { thread: lease.thread },
          'a delivery was settled by someone else first (its lock was lost); it was handled twice',
        );
      if (result.deadLettered > 0)
        this.#logger.warn(
          { thread: lease.thread, count: result.deadLettered, failures: result.failures },
          'messages failed maxReceiveCount times and went to the dead letters',
        );
    } finally {
      await this.#letGo(lease);
    }
  }

  async #letGo(lease: OpenLease): Promise<void> {
    lease.expiry.clear();
    this.#heldThreads.delete(lease.thread);
    try {
      await lease.lease.release();
    } catch (error) {
      // The lock expires by itself.
      this.#logger.warn({ err: error, thread: lease.thread }, 'releasing a thread lock failed');
    }
  }

  async #expire(id: number): Promise<void> {
    const lease = this.#leases.get(id);
    if (lease === undefined) return;
    this.#leases.delete(id);
    this.#logger.warn(
      { thread: lease.thread, unsettled: lease.count - lease.settled },
      'a delivery was not settled within visibilityTimeout; its thread is given up and delivered again',
    );
    await this.#letGo(lease);
  }
}
