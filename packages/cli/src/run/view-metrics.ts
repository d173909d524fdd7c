import type { ConsumerMetrics, SettledSample } from '@conveyor/core';

/** Bulks and handler time since the start, read by the views. */
export interface BulkTotals {
  readonly bulks: number;
  readonly parcels: number;
  readonly handlerMs: number;
  /** Bulks handled by each pool thread (by thread id). */
  readonly bulksByThread: ReadonlyMap<number, number>;
}

/**
 * The `metrics` a factory receives: counts bulks and handler time for the
 * views, and passes everything on to the exporter (Prometheus) when there is one.
 */
export class ViewMetrics implements ConsumerMetrics {
  readonly #next: ConsumerMetrics | undefined;
  #bulks = 0;
  #parcels = 0;
  #handlerMs = 0;
  readonly #bulksByThread = new Map<number, number>();
  #used = false;

  constructor(next: ConsumerMetrics | undefined) {
    this.#next = next;
  }

  /** Whether the consumer reported anything (a factory that ignores the context never does). */
  get used(): boolean {
    return this.#used;
  }

  get totals(): BulkTotals {
    return { bulks: this.#bulks, parcels: this.#parcels, handlerMs: this.#handlerMs, bulksByThread: new Map(this.#bulksByThread) };
  }

  received(count: number): void {
    this.#used = true;
    this.#next?.received(count);
  }

  settled(sample: SettledSample): void {
    this.#used = true;
    this.#bulks += sample.bulks;
    this.#parcels++;
    this.#handlerMs += sample.handlerMs;
    if (sample.threadId !== undefined)
      this.#bulksByThread.set(sample.threadId, (this.#bulksByThread.get(sample.threadId) ?? 0) + sample.bulks);
    this.#next?.settled(sample);
  }

  settleError(kind: 'cleanup' | 'release'): void {
    this.#next?.settleError(kind);
  }
}
