import type { Parcel } from '../bulk/parcel.js';
import type { Settlement } from '../bulk/bulk-report.js';
import type { ParcelOutcome } from '../bulk/iterator-rule.js';
import { settleParcel } from '../bulk/iterator-rule.js';
import type { ConsumerMetrics } from '../consumer/consumer-metrics.js';
import type { Executor } from '../threads/executor.js';
import type { FlightGate } from './flight-gate.js';
import { ParcelQueue } from './parcel-queue.js';
import { ParcelSizer } from './parcel-sizer.js';
import type { Settler } from './settler.js';

export interface DispatcherOptions<M> {
  readonly executor: Executor<M>;
  readonly settler: Settler<M>;
  readonly gate: FlightGate;
  /** Messages per handler call. */
  readonly bulkSize: number;
  /** Concurrent handler runs. */
  readonly maxHandlers: number;
  /** Largest parcel in messages; 0 sends one bulk per parcel (the inline executor). */
  readonly maxParcelMessages: number;
  readonly onSettled: (settlement: Settlement<M>) => void;
  /** When set, each parcel is timed and reported (costs two clock reads per parcel). */
  readonly metrics?: ConsumerMetrics | undefined;
}

/**
 * Sends received messages to the executor in parcels and settles what comes
 * back: when several bulks wait, one pool task carries many of them, which
 * amortises the thread hop (what makes bulkSize 1 fast) without changing what
 * each handler call sees.
 */
export class Dispatcher<M> {
  readonly #options: DispatcherOptions<M>;
  readonly #queue: ParcelQueue<M>;
  readonly #sizer: ParcelSizer;
  #running = 0;
  // Two parcels per handler slot keep pool threads busy while the next parcel is encoded.
  readonly #maxRunning: number;

  constructor(options: DispatcherOptions<M>) {
    this.#options = options;
    this.#queue = new ParcelQueue(options.bulkSize);
    this.#sizer = new ParcelSizer(options.bulkSize, options.maxParcelMessages);
    this.#maxRunning = this.#sizer.packs ? options.maxHandlers * 2 : options.maxHandlers;
  }

  /** Bulks waiting for a handler slot. */
  get pendingBulks(): number {
    return this.#queue.bulks;
  }

  /** Queues a get() result; it is cut into bulks of `bulkSize` as it is dispatched. */
  enqueue(messages: readonly M[]): void {
    this.#queue.push(messages, this.#options.metrics === undefined ? 0 : performance.now());
    this.#pump();
  }

  /** Takes every bulk not dispatched yet, as parcels (shutdown gives them back to the source). */
  takePending(): Parcel<M>[] {
    return this.#queue.takeAll();
  }

  #pump(): void {
    while (this.#running < this.#maxRunning && this.#queue.messages > 0) {
      const enqueuedAt = this.#queue.oldestEnqueuedAt;
      // Share what waits among the free slots, so every thread gets work.
      const parcel = this.#queue.take(this.#sizer.target(this.#queue.messages, this.#maxRunning - this.#running));
      this.#running++;
      void this.#runParcel(parcel, enqueuedAt);
    }
  }

  async #runParcel(parcel: Parcel<M>, enqueuedAt: number): Promise<void> {
    const metrics = this.#options.metrics;
    const dispatchedAt = metrics === undefined ? 0 : performance.now();
    let outcome: ParcelOutcome;
    let threadId: number | undefined;
    try {
      const result = await this.#options.executor.run(parcel);
      this.#sizer.learn(parcel.messages.length, result.busyMs);
      threadId = result.threadId;
      outcome = { reports: result.reports };
    } catch (error) {
      outcome = { lost: error };
    }
    this.#running--;
    this.#pump();
    const settlement = await this.settle(parcel, outcome);
    if (metrics !== undefined) {
      const handlerMs = performance.now() - dispatchedAt;
      let failed = 0;
      for (const group of settlement.failed) failed += group.messages.length;
      metrics.settled({
        bulks: parcel.bulkSizes.length,
        consumed: settlement.consumed.length,
        failed,
        handlerMs,
        waitMs: dispatchedAt - enqueuedAt,
        threadId,
      });
    }
  }

  /** Applies the iterator rule to a parcel's outcome, then hands the result to the source. */
  async settle(parcel: Parcel<M>, outcome: ParcelOutcome): Promise<Settlement<M>> {
    const settlement = settleParcel(parcel, outcome);
    this.#options.onSettled(settlement);
    try {
      await this.#options.settler.settle(settlement);
    } finally {
      this.#options.gate.remove(parcel.messages.length);
    }
    return settlement;
  }
}
