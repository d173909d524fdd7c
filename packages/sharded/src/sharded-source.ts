import { ConveyorError } from '@conveyor/core';
import type { ClockTimer } from '@conveyor/core/kit';
import type { Bulk, GetHint, Logger, Source } from '@conveyor/core';
import { deadLetterMalformedHead, decodeBatch } from './decode-batch.js';
import { describeError } from './describe-error.js';
import { DueChecks } from './due-checks.js';
import type { Lock } from './lock.js';
import { lockArgument } from './lock.js';
import type { Queue } from './queue.js';
import { queueArgument } from './queue-options.js';
import { createShardedHandler } from './sharded-handler.js';
import type { ShardedBulkHandler } from './sharded-handler.js';
import type { ShardedMessage } from './sharded-message.js';
import type { ResolvedShardedSourceOptions, ShardedSourceOptions } from './sharded-source-options.js';
import { resolveShardedSourceOptions } from './sharded-source-options.js';
import type { Claim } from './thread-claim.js';
import { ThreadClaimer } from './thread-claim.js';
import { handlerNameOfThread } from './tube.js';

interface OpenLease {
  readonly id: number;
  readonly thread: string;
  readonly tube: string;
  readonly offset: number;
  readonly count: number;
  readonly claim: Claim;
  /** Gives the lease up at the visibility timeout, even while pollers wait for room. */
  readonly expiry: ClockTimer;
  /** 0 open, 1 consumed, 2 failed. */
  readonly states: Uint8Array;
  settled: number;
  failure: unknown;
}

/**
 * A sharded queue as a Consumer source: each `get()` claims a free thread
 * (see `thread-claim.ts`) and delivers a batch of its most urgent tube; the
 * thread stays locked (heartbeat) until every message of the batch is cleaned
 * up or released, then consumed ones are acknowledged and failed ones stay at
 * the head, in order (dead-lettered after `maxReceiveCount`).
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
  readonly #logger: Logger;
  readonly #claimer: ThreadClaimer;
  readonly #leases = new Map<number, OpenLease>();
  #nextLease = 1;
  #closed = false;
  #runner: ShardedBulkHandler | undefined;

  constructor(queue: Queue, lock: Lock, options?: ShardedSourceOptions) {
    this.queue = queueArgument(queue);
    this.lock = lockArgument(lock);
    this.options = resolveShardedSourceOptions(options);
    const logger = (this.#logger = this.options.logger);
    this.#claimer = new ThreadClaimer({
      queue,
      lock,
      dueChecks: new DueChecks(queue, this.options, this.options.clock),
      clock: this.options.clock,
      acquireSample: this.options.acquireSample,
      acquireDelay: this.options.acquireDelay,
      onUnknownRequestHandler: (error, thread) => logger.warn({ thread, handlerName: error.handlerName }, error.message),
      onLockLost: (thread) => logger.warn({ thread }, 'a delivered thread lost its lock; its messages may be delivered twice'),
    });
  }

  /** Messages delivered and not yet settled. */
  get inFlight(): number {
    let open = 0;
    for (const lease of this.#leases.values()) open += lease.count - lease.settled;
    return open;
  }

  async get(signal: AbortSignal, hint?: GetHint): Promise<ShardedMessage<R>[]> {
    const { clock, waitTime, maxMessagesPerGet, requestHandlers } = this.options;
    const deadline = clock.now() + waitTime;
    const max = Math.min(maxMessagesPerGet, Math.max(1, hint?.maxMessages ?? maxMessagesPerGet));
    while (!signal.aborted && !this.#closed) {
      const claim = await this.#claimer.claim(signal, { wanted: requestHandlers, deadline });
      if (claim === undefined) break;
      const delivered = await this.#deliver(claim, max);
      if (delivered !== undefined) return delivered;
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

  /** Delivers a batch of the claimed thread's most urgent tube; `undefined` (the thread let go) when it holds none. */
  async #deliver(claim: Claim, max: number): Promise<ShardedMessage<R>[] | undefined> {
    const { thread } = claim;
    try {
      const peeked = await this.queue.storage.peek(thread, max);
      if (peeked !== undefined && peeked.messages.length > 0) {
        const decoded = decodeBatch(this.queue, peeked);
        if (decoded.ok) {
          const handler = handlerNameOfThread(thread) as string;
          const id = this.#nextLease++;
          const messages = decoded.requests.map((request, index): ShardedMessage<R> => ({
            handler,
            thread,
            tube: peeked.tube,
            request: request as R,
            lease: id,
            index,
          }));
          const expiry = this.options.clock.setTimeout(() => void this.#expire(id), this.options.visibilityTimeout).unref();
          const states = new Uint8Array(messages.length);
          const { tube, offset } = peeked;
          this.#leases.set(id, { id, thread, tube, offset, count: messages.length, claim, expiry, states, settled: 0, failure: undefined });
          return messages;
        }
        this.#logger.warn(
          { err: decoded.error, tube: peeked.tube },
          'a stored message cannot be deserialized; it goes to the dead letters',
        );
        await deadLetterMalformedHead(this.queue, peeked);
      }
      await claim.release();
      return undefined;
    } catch (error) {
      await claim.release().catch(() => {});
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
    try {
      await lease.claim.release();
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
