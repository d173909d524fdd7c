import PQueue from 'p-queue';
import type { BulkReport } from '../bulk/bulk-report.js';
import { BulkCursor } from '../bulk/bulk-cursor.js';
import type { Handler } from '../bulk/handler.js';
import type { Parcel } from '../bulk/parcel.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';
import type { Eventually } from '../bulk/run-handler.js';
import { runParcel } from '../bulk/run-handler.js';
import { HandlerTimeoutError } from '../errors/handler-timeout-error.js';
import { ShutdownError } from '../errors/shutdown-error.js';
import type { Admission, Executor, ParcelResult } from './executor.js';

const notStarted = { completedBulks: 0, currentBulk: 0, taken: 0, unit: false } as const;

/** Runs handlers on the main thread, at most `concurrency` at once (I/O-bound handlers). */
export class InlineExecutor<M> implements Executor<M> {
  readonly #handler: Handler<M>;
  readonly #queue: PQueue;
  readonly #handlerTimeout: number;
  #destroyed = false;
  #ranBulk = false;
  #sawPromise = false;
  /** Runs one bulk, noting whether the handler returned a promise. */
  readonly #watchBulk = (_index: number, run: () => Eventually<BulkReport | undefined>): Eventually<BulkReport | undefined> => {
    const ran = run();
    this.#ranBulk = true;
    if (ran instanceof Promise) this.#sawPromise = true;
    return ran;
  };

  /** `handlerTimeout` > 0: a bulk running longer is failed (`HandlerTimeoutError`) and its late completion ignored. */
  constructor(handler: Handler<M>, concurrency: number, handlerTimeout = 0) {
    this.#handler = handler;
    this.#queue = new PQueue({ concurrency });
    this.#handlerTimeout = handlerTimeout;
  }

  async start(): Promise<void> {}

  /**
   * True once bulks have run and the handler never returned a promise: the
   * dispatcher may then pack several bulks in a parcel. Never again after one
   * promise, so a handler that may wait (and may hang) keeps one bulk a
   * parcel, and shutdown can give back every bulk that has not started.
   */
  get synchronousHandler(): boolean {
    return this.#ranBulk && !this.#sawPromise;
  }

  admit(messages: readonly M[]): Admission<M> {
    // Inline, the handler sees the very objects the source gave: nothing to check.
    return { admitted: messages, rejected: [], structured: false };
  }

  run(parcel: Parcel<M>, _structured?: boolean, traceContext?: TraceCarrier): Promise<ParcelResult> {
    const result = this.#queue.add(async () => {
      const started = performance.now();
      const reports =
        this.#handlerTimeout > 0
          ? await this.#runWithTimeout(parcel, traceContext)
          : await runParcel(this.#handler, parcel.messages, parcel.bulkSizes, undefined, this.#watchBulk, traceContext, parcel.after);
      return { outcome: { reports }, busyMs: performance.now() - started };
    });
    // p-queue 10 rejects the tasks clear() removed (an AbortError) where 9 left them pending forever.
    // They never ran: like a pool parcel stopped by destroy(), they resolve as lost by shutdown.
    return result.catch((error: unknown) => {
      if (!this.#destroyed) throw error;
      return { outcome: { lost: new ShutdownError(), progress: notStarted }, busyMs: 0 };
    });
  }

  async close(): Promise<void> {
    await this.#queue.onIdle();
  }

  destroy(): Promise<void> {
    // Inline handlers cannot be interrupted; shutdown stops waiting for them instead.
    this.#destroyed = true;
    this.#queue.clear();
    return Promise.resolve();
  }

  async #runWithTimeout(parcel: Parcel<M>, traceContext: TraceCarrier | undefined): Promise<(BulkReport | undefined)[] | undefined> {
    let reports: (BulkReport | undefined)[] | undefined;
    let start = 0;
    for (let index = 0; index < parcel.bulkSizes.length; index++) {
      const end = start + (parcel.bulkSizes[index] as number);
      const report = await this.#runBulk(parcel.messages, start, end, traceContext);
      if (report !== undefined) (reports ??= new Array<BulkReport | undefined>(parcel.bulkSizes.length))[index] = report;
      start = end;
    }
    return reports;
  }

  /** One bulk raced against `handlerTimeout`: past it, the report says where the handler was; what it does later is ignored. */
  async #runBulk(
    messages: readonly M[],
    start: number,
    end: number,
    traceContext: TraceCarrier | undefined,
  ): Promise<BulkReport | undefined> {
    const cursor = new BulkCursor(messages, start, end, undefined, traceContext);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<BulkReport>((resolve) => {
      timer = setTimeout(() => resolve(cursor.threw(new HandlerTimeoutError(this.#handlerTimeout))), this.#handlerTimeout);
    });
    const handled = (async (): Promise<BulkReport | undefined> => {
      try {
        await this.#handler(cursor);
        return cursor.allConsumed ? undefined : cursor.returned();
      } catch (error) {
        return cursor.threw(error);
      }
    })();
    try {
      return await Promise.race([handled, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
