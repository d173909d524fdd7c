// The one place that decides which thread a Worker or a ShardedSource works on
// next, and how it waits when none is free (GLOSSARY: claim). See docs/adr/0005-one-thread-claim.md.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { backoffDelay, sleep } from '@conveyor/core/kit';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import type { DueChecks } from './due-checks.js';
import { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';
import type { Lock } from './lock.js';
import type { Queue } from './queue.js';
import type { AnyRequestHandlerClass } from './request-handler.js';
import { ThreadLease } from './thread-lease.js';
import { handlerNameOfThread } from './tube.js';

/** What a claimer needs: a Worker and a ShardedSource give it the same things. */
export interface ThreadClaimerOptions {
  readonly queue: Queue;
  readonly lock: Lock;
  readonly dueChecks: DueChecks;
  readonly clock: Clock;
  /** Threads sampled from the index of non-empty threads at each look. */
  readonly acquireSample: number;
  /** Longest wait between two looks. */
  readonly acquireDelay: number;
  /** A thread names a request handler this process does not know; called once per thread. */
  readonly onUnknownRequestHandler: (error: UnknownRequestHandlerError, thread: string) => void;
  /** The heartbeat found the lock of a claimed thread gone: another claimer may work on it now. */
  readonly onLockLost: (thread: string) => void;
}

/** What one `claim()` may take and for how long it looks. */
export interface ClaimLimits {
  /** Only threads of these request handler classes. @default every registered one */
  readonly wanted?: ReadonlySet<AnyRequestHandlerClass> | undefined;
  /** Clock time after which to stop looking. @default no deadline */
  readonly deadline?: number;
}

// The first wait after a look that found nothing to claim, doubling up to `acquireDelay`.
const firstWaitMs = 50;

/** A claimed thread: its lock is held (and kept alive by a heartbeat) until `release()`. */
export class Claim {
  readonly thread: string;
  readonly requestHandler: AnyRequestHandlerClass;
  readonly lease: ThreadLease;
  readonly #held: Set<string>;
  readonly #clock: Clock;

  constructor(thread: string, requestHandler: AnyRequestHandlerClass, lease: ThreadLease, held: Set<string>, clock: Clock) {
    this.thread = thread;
    this.requestHandler = requestHandler;
    this.lease = lease;
    this.#held = held;
    this.#clock = clock;
  }

  /** The lock was lost (a stalled process): someone else may work on the thread now. */
  get lost(): boolean {
    return this.lease.lost;
  }

  /**
   * Lets the thread go: at once, or after holding it `holdMs` — the retry
   * backoff of a failed head, during which no claimer anywhere takes the thread,
   * so a failing head never loops hot. `signal` cuts the hold short. Throws when
   * the lock cannot be released (it then expires by itself).
   */
  async release(holdMs = 0, signal?: AbortSignal): Promise<void> {
    try {
      if (holdMs > 0 && !this.lease.lost) await sleep(holdMs, signal, this.#clock);
      await this.lease.release();
    } finally {
      this.#held.delete(this.thread);
    }
  }
}

/**
 * Claims threads for one Worker (all its loops) or one ShardedSource. A look
 * runs the due checks, samples the index of non-empty threads (random order:
 * later threads are never starved), and takes the first thread that is not
 * held here already, whose request handler is registered (an unknown one is
 * reported once and skipped: another process may know it) and wanted, and
 * whose lock is free. Between looks that find nothing it backs off with jitter,
 * from 50 ms up to `acquireDelay`, never past the next due check. Storage and
 * lock errors are thrown: the Worker pauses and retries, a Consumer revives the
 * source's poller.
 */
export class ThreadClaimer {
  readonly #options: ThreadClaimerOptions;
  readonly #backoff: BackoffPolicy;
  readonly #held = new Set<string>();
  readonly #reportedUnknown = new Set<string>();

  constructor(options: ThreadClaimerOptions) {
    this.#options = options;
    this.#backoff = { baseMs: Math.min(firstWaitMs, options.acquireDelay), capMs: options.acquireDelay };
  }

  /** Threads claimed here and not released yet. */
  get held(): ReadonlySet<string> {
    return this.#held;
  }

  /** Looks until a thread is claimed, `signal` aborts or `limits.deadline` passes. */
  async claim(signal: AbortSignal, limits: ClaimLimits = {}): Promise<Claim | undefined> {
    const { clock, dueChecks, acquireDelay } = this.#options;
    const deadline = limits.deadline ?? Number.POSITIVE_INFINITY;
    for (let misses = 1; !signal.aborted; misses++) {
      const claim = await this.claimOnce(limits.wanted);
      if (claim !== undefined) return claim;
      const left = deadline - clock.now();
      if (left <= 0) break;
      const wait = Math.min(backoffDelay(misses, this.#backoff), dueChecks.until(acquireDelay), left);
      // No wait left (a due check is due, acquireDelay 0): still let timers and I/O run.
      if (wait > 0) await sleep(wait, signal, clock);
      else await nextMacrotask();
    }
    return undefined;
  }

  /** One look: the first claimable thread of a sample, or `undefined`. */
  async claimOnce(wanted?: ReadonlySet<AnyRequestHandlerClass>): Promise<Claim | undefined> {
    const { queue, lock, clock, dueChecks, acquireSample, onLockLost } = this.#options;
    await dueChecks.run();
    for (const thread of await queue.storage.threads(acquireSample)) {
      if (this.#held.has(thread)) continue;
      const requestHandler = this.#requestHandlerOf(thread);
      if (requestHandler === undefined || (wanted !== undefined && !wanted.has(requestHandler))) continue;
      const lease = await ThreadLease.acquire(lock, thread, () => onLockLost(thread), clock);
      if (lease === undefined) continue;
      this.#held.add(thread);
      return new Claim(thread, requestHandler, lease, this.#held, clock);
    }
    return undefined;
  }

  #requestHandlerOf(thread: string): AnyRequestHandlerClass | undefined {
    const name = handlerNameOfThread(thread);
    const requestHandler = name === undefined ? undefined : this.#options.queue.requestHandlers.get(name);
    if (requestHandler === undefined && !this.#reportedUnknown.has(thread)) {
      this.#reportedUnknown.add(thread);
      this.#options.onUnknownRequestHandler(new UnknownRequestHandlerError(name ?? thread), thread);
    }
    return requestHandler;
  }
}
