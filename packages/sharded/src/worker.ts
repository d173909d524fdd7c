import { backoffDelay, integerIn, objectWithMethods, optionsObject, signalOption, sleep } from '@conveyor/core/kit';
import type { Logger } from '@conveyor/core';
import { describeError } from './describe-error.js';
import { DueChecks } from './due-checks.js';
import { MalformedMessageError } from './errors/malformed-message-error.js';
import { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';
import type { AnyRequestHandlerClass, RequestHandler } from './request-handler.js';
import type { Lock } from './lock.js';
import type { Queue } from './queue.js';
import { requestHandlerFilter } from './request-handler-filter.js';
import type { Peeked } from './storage.js';
import { ThreadLease } from './thread-lease.js';
import { handlerNameOfThread } from './tube.js';
import { TypedEmitter } from '@conveyor/core/kit';
import type { WorkerEvents } from './worker-events.js';
import type { ResolvedWorkerOptions, WorkerOptions } from './worker-options.js';
import { resolveWorkerOptions } from './worker-options.js';

/** Options of one `worker.loop()` run. */
export interface LoopOptions {
  /** Aborting it makes the loop finish its current batch, let its thread go and return. @default none */
  signal?: AbortSignal;
  /** Only claim threads of these request handler classes. @default every registered one */
  requestHandlers?: AnyRequestHandlerClass | readonly AnyRequestHandlerClass[];
}

interface Bound {
  readonly thread: string;
  readonly handlerClass: AnyRequestHandlerClass;
  readonly lease: ThreadLease;
}

// Longest pause after a storage error, growing from `emptyPause`.
const maxErrorPause = 5_000;

const lockMethods = ['acquire', 'extend', 'release', 'exists'];

/**
 * Binds threads one at a time through the lock and handles their requests in
 * batches: peek the head, `handle()`, then acknowledge atomically. Any number
 * of workers, in any number of processes, may share a queue and a lock.
 *
 * ```ts
 * const worker = new Worker(lock, queue, { batchSize: 64 });
 * await worker.loop(100);   // handles exactly 100 requests, then returns
 * void worker.loop();       // until worker.stop()
 * ```
 */
export class Worker extends TypedEmitter<WorkerEvents> {
  readonly lock: Lock;
  readonly queue: Queue;
  /** The options in force (defaults and environment applied). */
  readonly options: ResolvedWorkerOptions;
  readonly #logger: Logger;
  readonly #dueChecks: DueChecks;
  #stop = new AbortController();
  #errors = 0;
  readonly #reportedUnknown = new Set<string>();

  constructor(lock: Lock, queue: Queue, options?: WorkerOptions) {
    super((error, event) => this.#listenerFailed(error, event));
    this.lock = objectWithMethods<Lock>('lock', lock, lockMethods, 'a Lock (MemoryLock, RedisLock, ...)');
    this.queue = objectWithMethods<Queue>('queue', queue, ['register', 'decode'], 'a Queue');
    this.options = resolveWorkerOptions(options);
    this.#logger = this.options.logger;
    this.#dueChecks = new DueChecks(queue, this.options, this.options.clock);
  }

  /**
   * Handles requests until `limit` were handled (exactly: the last batch is
   * cut to fit) or, without a limit, until `stop()` or the signal. Several
   * loops of one worker may run at once; each binds its own thread.
   * Resolves with the number of requests handled.
   */
  async loop(limit?: number, options?: LoopOptions): Promise<number> {
    if (limit !== undefined) integerIn('limit', limit, 0, Number.MAX_SAFE_INTEGER, 0);
    const given = optionsObject(options, ['signal', 'requestHandlers'], { handler: 'renamed `requestHandlers`' }) as LoopOptions;
    const filter = requestHandlerFilter('requestHandlers', given.requestHandlers);
    const external = signalOption(given.signal);
    const signal = external === undefined ? this.#stop.signal : AbortSignal.any([this.#stop.signal, external]);
    let processed = 0;
    while (!signal.aborted && (limit === undefined || processed < limit)) {
      const bound = await this.#bind(signal, filter);
      if (bound === undefined) break;
      processed += await this.#process(bound, limit === undefined ? Number.POSITIVE_INFINITY : limit - processed, signal);
    }
    return processed;
  }

  /** Makes running loops finish their current batch, release their threads and return. Later loops run normally. */
  stop(): void {
    this.#stop.abort();
    this.#stop = new AbortController();
  }

  async #bind(signal: AbortSignal, filter: ReadonlySet<AnyRequestHandlerClass> | undefined): Promise<Bound | undefined> {
    const registry = this.queue.requestHandlers;
    while (!signal.aborted) {
      try {
        await this.#dueChecks.run();
        for (const thread of await this.queue.storage.threads(this.options.acquireSample)) {
          const name = handlerNameOfThread(thread);
          const handlerClass = name === undefined ? undefined : registry.get(name);
          if (handlerClass === undefined) {
            this.#unknownHandler(thread, name ?? thread);
            continue;
          }
          if (filter !== undefined && !filter.has(handlerClass)) continue;
          const lease = await ThreadLease.acquire(this.lock, thread, () => this.#lockLost(thread), this.options.clock);
          if (lease !== undefined) {
            this.#errors = 0;
            return { thread, handlerClass, lease };
          }
        }
      } catch (error) {
        await this.#failedCall(error, signal);
        continue;
      }
      // Idle: wait for new work, but wake for a due deferred or recurrent request.
      await sleep(this.#dueChecks.until(this.options.acquireDelay), signal, this.options.clock);
    }
    return undefined;
  }

  async #process(bound: Bound, remaining: number, signal: AbortSignal): Promise<number> {
    const { thread, handlerClass, lease } = bound;
    const storage = this.queue.storage;
    const options = this.options;
    this.emit('claimed', { thread });
    let processed = 0;
    let instance: RequestHandler<unknown> | undefined;
    let failurePause = 0;
    try {
      instance = await handlerClass.create();
      await instance.start();
      let empty = 0;
      while (processed < remaining && !signal.aborted && !lease.lost) {
        await this.#dueChecks.run();
        const size = Math.min(instance.batchSize() ?? options.batchSize, remaining - processed);
        const peeked = await storage.peek(thread, size);
        if (peeked === undefined || peeked.messages.length === 0) {
          if (++empty >= options.emptyLimit) break;
          await sleep(options.emptyPause, signal, options.clock);
          continue;
        }
        empty = 0;
        const requests = this.#decode(peeked);
        if (requests === undefined) {
          await storage.settle({ tube: peeked.tube, thread, offset: peeked.offset, count: 1 }, [0], {
            reason: 'malformed message',
            maxFailures: 1,
          });
          continue;
        }
        const batch = { tube: peeked.tube, thread, offset: peeked.offset, count: requests.length };
        try {
          await instance.handle(...requests);
        } catch (error) {
          const failed = Array.from({ length: requests.length }, (_, index) => index);
          const result = await storage.settle(batch, failed, { reason: describeError(error), maxFailures: options.maxFailures });
          this.#logger.warn(
            { err: error, thread, failures: result.failures, deadLettered: result.deadLettered },
            'handle() failed; the batch stays at the head of its thread',
          );
          this.emit('failed', { thread, tube: peeked.tube, error, failures: result.failures, deadLettered: result.deadLettered });
          // Retry later, backing off, instead of spinning on a failing batch.
          if (result.deadLettered === 0)
            failurePause = backoffDelay(result.failures, { baseMs: options.emptyPause, capMs: options.acquireDelay });
          break;
        }
        const result = await storage.settle(batch);
        processed += requests.length;
        if (result.stale) {
          this.#logger.warn(
            { thread, count: requests.length },
            'a batch was settled by another worker first (this one lost its lock); it was handled twice',
          );
          this.emit('staleSettle', { thread, tube: peeked.tube, count: requests.length });
        } else if (this.listens('handled')) {
          this.emit('handled', { thread, tube: peeked.tube, count: requests.length });
        }
      }
      this.#errors = 0;
    } catch (error) {
      failurePause = this.#errorPause();
      this.#reportError(error);
    } finally {
      try {
        await instance?.stop();
      } catch (error) {
        this.#reportError(error);
      }
      try {
        await lease.release();
      } catch (error) {
        // The lock expires by itself.
        this.#reportError(error);
      }
      this.emit('released', { thread, processed });
    }
    if (failurePause > 0) await sleep(failurePause, signal, this.options.clock);
    return processed;
  }

  /** The requests of a peeked batch up to the first malformed message; `undefined` when the head itself is malformed. */
  #decode(peeked: Peeked<unknown>): readonly unknown[] | undefined {
    // A 'values' storage keeps the requests themselves: nothing to decode, nothing malformed.
    if (this.queue.storage.encoding === 'values') return peeked.messages;
    const requests: unknown[] = [];
    for (const message of peeked.messages) {
      try {
        requests.push(this.queue.decode(peeked.tube, message));
      } catch (error) {
        if (requests.length > 0) return requests;
        this.#logger.warn({ err: error, tube: peeked.tube }, 'a stored message cannot be deserialized; it goes to the dead letters');
        if (error instanceof MalformedMessageError) this.emit('malformed', error);
        return undefined;
      }
    }
    return requests;
  }

  #unknownHandler(thread: string, name: string): void {
    if (this.#reportedUnknown.has(thread)) return;
    this.#reportedUnknown.add(thread);
    const error = new UnknownRequestHandlerError(name);
    this.#logger.warn({ thread, handlerName: name }, error.message);
    this.emit('unknownRequestHandler', error, { thread });
  }

  #lockLost(thread: string): void {
    this.#logger.warn({ thread }, 'the lock of a bound thread was lost; another worker may handle it now');
    this.emit('lockLost', { thread });
  }

  async #failedCall(error: unknown, signal: AbortSignal): Promise<void> {
    this.#reportError(error);
    await sleep(this.#errorPause(), signal, this.options.clock);
  }

  #errorPause(): number {
    this.#errors++;
    return backoffDelay(this.#errors, { baseMs: Math.max(10, this.options.emptyPause), capMs: maxErrorPause });
  }

  #reportError(error: unknown): void {
    this.#logger.error({ err: error }, 'sharded worker error; carrying on');
    this.emit('error', error);
  }

  #listenerFailed(error: unknown, event: string): void {
    this.#logger.error({ err: error, event }, 'a worker event listener threw');
    if (event !== 'listenerError') this.emit('listenerError', { event, error });
  }
}
