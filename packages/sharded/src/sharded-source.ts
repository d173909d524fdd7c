import type { Bulk, GetHint, Logger, Source } from '@conveyor/core';
import { backoffDelay, isUncharged } from '@conveyor/core/kit';
import type { ClockTimer } from '@conveyor/core/kit';
import { deadLetterMalformedHead, decodeBatch } from './decode-batch.js';
import { describeError } from './describe-error.js';
import { DueChecks } from './due-checks.js';
import type { Lock } from './lock.js';
import { lockArgument } from './lock.js';
import { OpenDeliveries } from './open-deliveries.js';
import type { OpenDelivery } from './open-deliveries.js';
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

/**
 * A sharded queue as a Consumer source: each `get()` claims a free thread
 * (`thread-claim.ts`, as a Worker does) and delivers a batch of its most urgent
 * tube; the thread stays locked (heartbeat) until every message of the batch
 * is settled. Then, in one atomic call, consumed messages are acknowledged and
 * failed ones stay at the head, in order. A charged failure is counted (its
 * messages go to the dead letters after `maxReceiveCount`) and the thread is
 * held through `retryBackoff` before its head comes again; messages released
 * uncharged go back at once, uncounted. See docs/adr/0005-one-thread-claim.md.
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
  readonly #deliveries = new OpenDeliveries();
  /** Threads held through a retry backoff; `close()` cuts them short. */
  readonly #holds = new Set<Promise<void>>();
  readonly #closing = new AbortController();
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
    return this.#deliveries.inFlight;
  }

  async get(signal: AbortSignal, hint?: GetHint): Promise<ShardedMessage<R>[]> {
    const { clock, waitTime, maxMessagesPerGet, requestHandlers } = this.options;
    const deadline = clock.now() + waitTime;
    const max = Math.min(maxMessagesPerGet, Math.max(1, hint?.maxMessages ?? maxMessagesPerGet));
    while (!signal.aborted && !this.#closing.signal.aborted) {
      const claim = await this.#claimer.claim(signal, { wanted: requestHandlers, deadline });
      if (claim === undefined) break;
      const delivered = await this.#deliver(claim, max);
      if (delivered !== undefined) return delivered;
    }
    return [];
  }

  cleanup(consumed: ShardedMessage<R>[]): Promise<void> {
    return this.#settle(this.#deliveries.mark(receipts(consumed), 'consumed', undefined));
  }

  /** Gives failed messages back: charged unless `isUncharged(error)` (the handler never received them). */
  release(failed: ShardedMessage<R>[], error: unknown): Promise<void> {
    return this.#settle(this.#deliveries.mark(receipts(failed), isUncharged(error) ? 'uncharged' : 'charged', error));
  }

  /** How long a delivery stays open unless renewed: `visibilityTimeout` (undefined when it never lapses). */
  leaseDuration(): number | undefined {
    const timeout = this.options.visibilityTimeout;
    return timeout === Number.POSITIVE_INFINITY ? undefined : timeout;
  }

  /**
   * Renews the visibility of the deliveries these messages belong to (the
   * consumer's lease keeper calls it for every message it holds, waiting or
   * being handled). The thread's lock has a heartbeat of its own.
   */
  extend(messages: ShardedMessage<R>[]): void {
    this.#deliveries.renew(receipts(messages), this.#startExpiry);
  }

  /**
   * The inline handler: runs the registered `RequestHandler` classes (see
   * `createShardedHandler()`; pool threads export that from their handler module).
   */
  handler(bulk: Bulk<ShardedMessage<R>>): Promise<void> {
    this.#runner ??= createShardedHandler(this.queue.requestHandlers);
    return this.#runner(bulk);
  }

  /** Gives up open deliveries (their messages come back), ends retry holds, and stops the inline request handlers. */
  async close(): Promise<void> {
    this.#closing.abort();
    for (const delivery of this.#deliveries.takeAll()) await this.#letGo(delivery, 0);
    await Promise.all(this.#holds);
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
          const delivery = this.#deliveries.open(claim, peeked, decoded.requests.length, this.#startExpiry);
          const handlerName = handlerNameOfThread(thread) as string;
          const { tube, offset } = peeked;
          const receiveCount = peeked.failures + 1;
          return decoded.requests.map((body, index) => ({
            id: `${tube}#${offset + index}`,
            body: body as R,
            receiveCount,
            receipt: { delivery: delivery.id, index },
            handlerName,
            thread,
            tube,
          }));
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

  async #settle(complete: readonly OpenDelivery[]): Promise<void> {
    for (const delivery of complete) await this.#finish(delivery);
  }

  /** Every message of a delivery is settled: acknowledge in one atomic call, then let the thread go (after a retry backoff). */
  async #finish(delivery: OpenDelivery): Promise<void> {
    const { peeked, claim } = delivery;
    let holdMs = 0;
    try {
      const failed = OpenDeliveries.indexes(delivery, 'charged', 'uncharged');
      const charged = OpenDeliveries.indexes(delivery, 'charged');
      const failure =
        charged.length === 0 ? undefined : { reason: describeError(delivery.reason), maxFailures: this.options.maxReceiveCount, charged };
      const result = await this.queue.storage.settle(
        { tube: peeked.tube, thread: claim.thread, offset: peeked.offset, count: delivery.count },
        failed,
        failure,
      );
      if (result.stale) {
        this.#logger.warn(
          { thread: claim.thread },
          'a delivery was settled by someone else first (its lock was lost); it was handled twice',
        );
      } else if (result.deadLettered > 0) {
        this.#logger.warn(
          { thread: claim.thread, count: result.deadLettered, failures: result.failures },
          'messages failed maxReceiveCount times and went to the dead letters',
        );
      } else if (failure !== undefined && this.options.retryBackoff !== false) {
        // The failing head stays first in its thread: hold the thread so that it is not retried hot.
        holdMs = backoffDelay(result.failures, this.options.retryBackoff);
      }
    } finally {
      await this.#letGo(delivery, holdMs);
    }
  }

  /** Lets a delivery's thread go, at once or after holding it `holdMs` (in the background: settling does not wait). */
  async #letGo(delivery: OpenDelivery, holdMs: number): Promise<void> {
    delivery.expiry.clear();
    if (holdMs <= 0 || this.#closing.signal.aborted) return this.#release(delivery.claim, 0);
    const hold = this.#release(delivery.claim, holdMs).finally(() => this.#holds.delete(hold));
    this.#holds.add(hold);
  }

  async #release(claim: Claim, holdMs: number): Promise<void> {
    try {
      await claim.release(holdMs, this.#closing.signal);
    } catch (error) {
      // The lock expires by itself.
      this.#logger.warn({ err: error, thread: claim.thread }, 'releasing a thread lock failed');
    }
  }

  /** Starts a delivery's visibility timeout: past it, its thread is let go and its messages come again. */
  readonly #startExpiry = (id: number): ClockTimer =>
    this.options.clock.setTimeout(() => void this.#expire(id), this.options.visibilityTimeout).unref();

  async #expire(id: number): Promise<void> {
    const delivery = this.#deliveries.take(id);
    if (delivery === undefined) return;
    this.#logger.warn(
      { thread: delivery.claim.thread, unsettled: delivery.count - delivery.settled },
      'a delivery was not settled within visibilityTimeout; its thread is let go and delivered again',
    );
    await this.#letGo(delivery, 0);
  }
}

function receipts(messages: readonly ShardedMessage[]): Iterable<ShardedMessage['receipt']> {
  return messages.map((message) => message.receipt);
}
