import PQueue from 'p-queue';
import type { Handler } from '../bulk/handler.js';
import type { Parcel } from '../bulk/parcel.js';
import { runParcel } from '../bulk/run-handler.js';
import type { Executor, ParcelResult } from './executor.js';

/** Runs handlers on the main thread, at most `concurrency` at once (I/O-bound handlers). */
export class InlineExecutor<M> implements Executor<M> {
  readonly #handler: Handler<M>;
  readonly #queue: PQueue;

  constructor(handler: Handler<M>, concurrency: number) {
    this.#handler = handler;
    this.#queue = new PQueue({ concurrency });
  }

  async start(): Promise<void> {}

  run(parcel: Parcel<M>): Promise<ParcelResult> {
    return this.#queue.add(async () => {
      const started = performance.now();
      const reports = await runParcel(this.#handler, parcel.messages, parcel.bulkSizes);
      return { reports, busyMs: performance.now() - started };
    });
  }

  async close(): Promise<void> {
    await this.#queue.onIdle();
  }

  destroy(): Promise<void> {
    // Inline handlers cannot be interrupted; shutdown stops waiting for them instead.
    this.#queue.clear();
    return Promise.resolve();
  }
}
