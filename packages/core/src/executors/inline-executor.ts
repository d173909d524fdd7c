import PQueue from 'p-queue';
import type { BulkReport } from '../bulk.js';
import { runHandler } from '../bulk.js';
import type { Handler } from '../handler.js';
import type { Executor } from './executor.js';

/** Runs handlers on the main thread, at most `concurrency` at once (I/O-bound handlers). */
export class InlineExecutor<M> implements Executor<M> {
  readonly #handler: Handler<M>;
  readonly #queue: PQueue;

  constructor(handler: Handler<M>, concurrency: number) {
    this.#handler = handler;
    this.#queue = new PQueue({ concurrency });
  }

  async start(): Promise<void> {}

  run(parcel: readonly (readonly M[])[]): Promise<BulkReport[]> {
    return this.#queue.add(async () => {
      const reports: BulkReport[] = [];
      for (const bulk of parcel) reports.push(await runHandler(this.#handler, bulk));
      return reports;
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
