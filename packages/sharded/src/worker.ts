import type { Logger } from '@conveyor/core';
import { TypedEmitter, backoffDelay, integerIn, optionsObject, signalOption, sleep } from '@conveyor/core/kit';
import { deadLetterMalformedHead, decodeBatch } from './decode-batch.js';
import { describeError } from './describe-error.js';
import { DueChecks } from './due-checks.js';
import { MalformedMessageError } from './errors/malformed-message-error.js';
import type { Lock } from './lock.js';
import { lockArgument } from './lock.js';
import type { Queue } from './queue.js';
import { queueArgument } from './queue-options.js';
import type { AnyRequestHandlerClass, RequestHandler } from './request-handler.js';
import { requestHandlerFilter } from './request-handler-filter.js';
import type { Claim } from './thread-claim.js';
import { ThreadClaimer } from './thread-claim.js';
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

// Longest pause after a storage error, growing from `emptyPause`.
const maxErrorPause = 5_000;

/**
 * Claims threads one at a time (see `thread-claim.ts`) and handles their
 * requests in batches: peek the head, `handle()`, then acknowledge atomically.
 * Any number of workers, in any number of processes, may share a queue and a lock.
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
  readonly #claimer: ThreadClaimer;
  #stop = new AbortController();
  #errors = 0;

  constructor(lock: Lock, queue: Queue, options?: WorkerOptions) {
    super((error, event) => this.#listenerFailed(error, event));
    this.lock = lockArgument(lock);
    this.queue = queueArgument(queue);
    this.options = resolveWorkerOptions(options);
    this.#logger = this.options.logger;
    this.#dueChecks = new DueChecks(queue, this.options, this.options.clock);
    this.#claimer = new ThreadClaimer({
      queue,
      lock,
      dueChecks: this.#dueChecks,
      clock: this.options.clock,
      acquireSample: this.options.acquireSample,
      acquireDelay: this.options.acquireDelay,
      onUnknownRequestHandler: (error, thread) => {
        this.#logger.warn({ thread, handlerName: error.handlerName }, error.message);
        this.emit('unknownRequestHandler', error, { thread });
      },
      onLockLost: (thread) => {
        this.#logger.warn({ thread }, 'the lock of a claimed thread was lost; another worker may handle it now');
        this.emit('lockLost', { thread });
      },
    });
  }

  /**
   * Handles requests until `limit` were handled (exactly: the last batch is
   * cut to fit) or, without a limit, until `stop()` or the signal. Several
   * loops of one worker may run at once; each claims its own thread.
   * Resolves with the number of requests handled.
   */
  async loop(limit?: number, options?: LoopOptions): Promise<number> {
    if (limit !== undefined) integerIn('limit', limit, 0, Number.MAX_SAFE_INTEGER, 0);
    const given = optionsObject(options, ['signal', 'requestHandlers'], { handler: 'renamed `requestHandlers`' }) as LoopOptions;
    const wanted = requestHandlerFilter('requestHandlers', given.requestHandlers);
    const external = signalOption(given.signal);
    const signal = external === undefined ? this.#stop.signal : AbortSignal.any([this.#stop.signal, external]);
    let processed = 0;
    while (!signal.aborted && (limit === undefined || processed < limit)) {
      const claim = await this.#claim(signal, wanted);
      if (claim === undefined) break;
      processed += await this.#process(claim, limit === undefined ? Number.POSITIVE_INFINITY : limit - processed, signal);
    }
    return processed;
  }

  /** Makes running loops finish their current batch, release their threads and return. Later loops run normally. */
  stop(): void {
    this.#stop.abort();
    this.#stop = new AbortController();
  }

  /** A claimed thread; a failing storage or lock makes the worker pause (backing off) and look again. */
  async #claim(signal: AbortSignal, wanted: ReadonlySet<AnyRequestHandlerClass> | undefined): Promise<Claim | undefined> {
    while (!signal.aborted) {
      try {
        const claim = await this.#claimer.claim(signal, { wanted });
        this.#errors = 0;
        return claim;
      } catch (error) {
        this.#reportError(error);
        await sleep(this.#errorPause(), signal, this.options.clock);
      }
    }
    return undefined;
  }

  async #process(claim: Claim, remaining: number, signal: AbortSignal): Promise<number> {
    const { thread, lease } = claim;
    const storage = this.queue.storage;
    const options = this.options;
    this.emit('claimed', { thread });
    let processed = 0;
    let instance: RequestHandler<unknown> | undefined;
    // After a failed batch the thread is held through a pause (no one retries its head meanwhile); after an error, let go first.
    let failurePause = 0;
    let errorPause = 0;
    try {
      instance = await claim.requestHandler.create();
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
        const decoded = decodeBatch(this.queue, peeked);
        if (!decoded.ok) {
          this.#logger.warn(
            { err: decoded.error, tube: peeked.tube },
            'a stored message cannot be deserialized; it goes to the dead letters',
          );
          if (decoded.error instanceof MalformedMessageError) this.emit('malformed', decoded.error);
          await deadLetterMalformedHead(this.queue, peeked);
          continue;
        }
        const requests = decoded.requests;
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
      errorPause = this.#errorPause();
      this.#reportError(error);
    } finally {
      try {
        await instance?.stop();
      } catch (error) {
        this.#reportError(error);
      }
      try {
        await claim.release(failurePause, signal);
      } catch (error) {
        // The lock expires by itself.
        this.#reportError(error);
      }
      this.emit('released', { thread, processed });
    }
    if (errorPause > 0) await sleep(errorPause, signal, options.clock);
    return processed;
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
