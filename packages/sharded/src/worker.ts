import { InvalidOptionError, consoleLogger } from '@conveyor/core';
import { sleep } from '@conveyor/core/kit';
import type { Logger } from '@conveyor/core';
import { DueChecks, describeError } from './due-checks.js';
import { MalformedMessageError } from './errors/malformed-message-error.js';
import { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';
import type { AnyRequestHandlerClass, RequestHandler } from './request-handler.js';
import type { Lock } from './lock.js';
import type { Queue } from './queue.js';
import { resolveWorkerSettings } from './settings.js';
import type { WorkerSettings } from './settings.js';
import type { Peeked } from './storage.js';
import { ThreadLease } from './thread-lease.js';
import { handlerNameOfThread } from './tube.js';
import { TypedEmitter } from '@conveyor/core/kit';
import type { WorkerEvents } from './worker-events.js';

/** Options of `new Worker(lock, queue, options)`: any worker setting (over the environment), and a logger. */
export interface WorkerOptions extends Partial<WorkerSettings> {
  /** Where the worker logs faults. @default warnings and errors to stderr */
  logger?: Logger;
}

/** Options of one `worker.loop()` run. */
export interface LoopOptions {
  /** Aborting it makes the loop finish its current batch, let its thread go and return. */
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
  readonly settings: WorkerSettings;
  readonly #logger: Logger;
  readonly #dueChecks: DueChecks;
  #stop = new AbortController();
  #errors = 0;
  readonly #reportedUnknown = new Set<string>();

  constructor(lock: Lock, queue: Queue, options: WorkerOptions = {}) {
    super((error, event) => this.#listenerFailed(error, event));
    if (lock === null || typeof lock !== 'object' || typeof lock.acquire !== 'function')
      throw new InvalidOptionError('lock', 'a Lock (MemoryLock, RedisLock, ...)', lock);
    if (queue === null || typeof queue !== 'object' || typeof queue.register !== 'function')
      throw new InvalidOptionError('queue', 'a Queue', queue);
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
    const { logger, ...settings } = options;
    this.lock = lock;
    this.queue = queue;
    this.settings = resolveWorkerSettings(settings);
    this.#logger = logger ?? consoleLogger;
    this.#dueChecks = new DueChecks(queue, this.settings);
  }

  /**
   * Handles requests until `limit` were handled (exactly: the last batch is
   * cut to fit) or, without a limit, until `stop()` or the signal. Several
   * loops of one worker may run at once; each binds its own thread.
   * Resolves with the number of requests handled.
   */
  async loop(limit?: number, options: LoopOptions = {}): Promise<number> {
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)) {
      throw new InvalidOptionError('limit', 'an integer >= 0', limit);
    }
    const filter =
      options.requestHandlers === undefined ? undefined : new Set(([] as AnyRequestHandlerClass[]).concat(options.requestHandlers));
    const signal = options.signal === undefined ? this.#stop.signal : AbortSignal.any([this.#stop.signal, options.signal]);
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
        for (const thread of await this.queue.storage.threads(this.settings.acquireSample)) {
          const name = handlerNameOfThread(thread);
          const handlerClass = name === undefined ? undefined : registry.get(name);
          if (handlerClass === undefined) {
            this.#unknownHandler(thread, name ?? thread);
            continue;
          }
          if (filter !== undefined && !filter.has(handlerClass)) continue;
          const lease = await ThreadLease.acquire(this.lock, thread, () => this.#lockLost(thread));
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
      await sleep(this.#dueChecks.until(this.settings.acquireDelay), signal);
    }
    return undefined;
  }

  async #process(bound: Bound, remaining: number, signal: AbortSignal): Promise<number> {
    const { thread, handlerClass, lease } = bound;
    const storage = this.queue.storage;
    const settings = this.settings;
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
        const size = Math.min(instance.batchSize() ?? settings.batchSize, remaining - processed);
        const peeked = await storage.peek(thread, size);
        if (peeked === undefined || peeked.messages.length === 0) {
          if (++empty >= settings.emptyLimit) break;
          await sleep(settings.emptyPause, signal);
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
          const result = await storage.settle(batch, failed, { reason: describeError(error), maxFailures: settings.maxFailures });
          this.#logger.warn(
            { err: error, thread, failures: result.failures, deadLettered: result.deadLettered },
            'handle() failed; the batch stays at the head of its thread',
          );
          this.emit('failed', { thread, tube: peeked.tube, error, failures: result.failures, deadLettered: result.deadLettered });
          // Retry later, backing off, instead of spinning on a failing batch.
          if (result.deadLettered === 0) failurePause = Math.min(settings.acquireDelay, settings.emptyPause * 2 ** (result.failures - 1));
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
    if (failurePause > 0) await sleep(failurePause, signal);
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
    await sleep(this.#errorPause(), signal);
  }

  #errorPause(): number {
    this.#errors++;
    return Math.min(maxErrorPause, Math.max(10, this.settings.emptyPause) * 2 ** Math.min(this.#errors - 1, 10));
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
