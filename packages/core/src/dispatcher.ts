import type { BulkReport, Settlement } from './bulk.js';
import { settle } from './bulk.js';
import { MessageNotTakenError } from './errors.js';
import type { Executor } from './executors/executor.js';
import type { FlightGate } from './flight-gate.js';
import type { Settler } from './settler.js';
import type { ConsumerMetrics } from './metrics.js';

export interface DispatcherOptions<M> {
  readonly executor: Executor<M>;
  readonly settler: Settler<M>;
  readonly gate: FlightGate;
  /** Concurrent handler runs. */
  readonly maxHandlers: number;
  /** Largest parcel in messages; 1 bulk per parcel when `maxParcelMessages` is 0. */
  readonly maxParcelMessages: number;
  readonly onSettled: (settlement: Settlement<M>) => void;
  /** When set, each parcel is timed and reported (costs two clock reads per parcel). */
  readonly metrics?: ConsumerMetrics | undefined;
}

/**
 * Queues bulks and sends them to the executor in parcels: when several bulks
 * wait, one pool task carries many of them, which amortises the thread hop
 * (what makes bulkSize 1 fast) without changing what each handler call sees.
 */
export class Dispatcher<M> {
  readonly #options: DispatcherOptions<M>;
  #pending: (readonly M[])[] = [];
  /** Enqueue times, parallel to #pending; only kept when metrics are on. */
  #enqueuedAt: number[] = [];
  #pendingHead = 0;
  #pendingMessages = 0;
  #running = 0;
  // Two parcels per handler slot keep pool threads busy while the next parcel is encoded.
  readonly #maxRunning: number;

  constructor(options: DispatcherOptions<M>) {
    this.#options = options;
    this.#maxRunning = options.maxParcelMessages > 0 ? options.maxHandlers * 2 : options.maxHandlers;
  }

  /** Bulks waiting for a handler slot. */
  get pendingBulks(): number {
    return this.#pending.length - this.#pendingHead;
  }

  enqueue(bulk: readonly M[]): void {
    this.#pending.push(bulk);
    if (this.#options.metrics !== undefined) this.#enqueuedAt.push(performance.now());
    this.#pendingMessages += bulk.length;
    this.#pump();
  }

  /** Takes every bulk that has not been dispatched yet (shutdown gives them back to the source). */
  takePending(): (readonly M[])[] {
    const taken = this.#pending.slice(this.#pendingHead);
    this.#pending = [];
    this.#enqueuedAt = [];
    this.#pendingHead = 0;
    this.#pendingMessages = 0;
    return taken;
  }

  #pump(): void {
    while (this.#running < this.#maxRunning && this.pendingBulks > 0) {
      const oldestEnqueue = this.#enqueuedAt[this.#pendingHead];
      const parcel = this.#nextParcel();
      this.#running++;
      void this.#runParcel(parcel, oldestEnqueue);
    }
  }

  #nextParcel(): (readonly M[])[] {
    const { maxParcelMessages } = this.#options;
    const parcel: (readonly M[])[] = [];
    if (maxParcelMessages === 0) {
      parcel.push(this.#shift());
      return parcel;
    }
    // Share what waits among the free slots, so every thread gets work.
    const freeSlots = Math.max(1, this.#maxRunning - this.#running);
    const target = Math.min(maxParcelMessages, Math.ceil(this.#pendingMessages / freeSlots));
    let messages = 0;
    while (this.pendingBulks > 0 && (parcel.length === 0 || messages + (this.#pending[this.#pendingHead]?.length ?? 0) <= target)) {
      const bulk = this.#shift();
      parcel.push(bulk);
      messages += bulk.length;
    }
    return parcel;
  }

  #shift(): readonly M[] {
    const bulk = this.#pending[this.#pendingHead] as readonly M[];
    this.#pending[this.#pendingHead++] = undefined as unknown as M[];
    this.#pendingMessages -= bulk.length;
    if (this.#pendingHead === this.#pending.length) {
      this.#pending = [];
      this.#enqueuedAt = [];
      this.#pendingHead = 0;
    } else if (this.#pendingHead > 1024 && this.#pendingHead * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#pendingHead);
      this.#enqueuedAt = this.#enqueuedAt.slice(this.#pendingHead);
      this.#pendingHead = 0;
    }
    return bulk;
  }

  async #runParcel(parcel: (readonly M[])[], enqueuedAt: number | undefined): Promise<void> {
    let reports: BulkReport[] | undefined;
    let parcelError: unknown;
    const metrics = this.#options.metrics;
    const dispatchedAt = metrics === undefined ? 0 : performance.now();
    try {
      reports = await this.#options.executor.run(parcel);
    } catch (error) {
      parcelError = error;
    }
    this.#running--;
    this.#pump();
    const settlement = await this.settleParcel(parcel, reports, parcelError);
    if (metrics !== undefined) {
      const handlerMs = performance.now() - dispatchedAt;
      let failed = 0;
      for (const group of settlement.failed) failed += group.messages.length;
      metrics.settled({ bulks: parcel.length, consumed: settlement.consumed.length, failed, handlerMs, waitMs: enqueuedAt === undefined ? 0 : dispatchedAt - enqueuedAt });
    }
  }

  /** Settles a parcel: with reports, bulk by bulk; without (the thread died), every message failed. */
  async settleParcel(parcel: readonly (readonly M[])[], reports: BulkReport[] | undefined, parcelError: unknown): Promise<Settlement<M>> {
    let total = 0;
    const consumed: M[] = [];
    const failed: { messages: M[]; error: unknown }[] = [];
    let notTaken: MessageNotTakenError | undefined;
    const notTakenError = (): MessageNotTakenError => (notTaken ??= new MessageNotTakenError());
    for (let index = 0; index < parcel.length; index++) {
      const bulk = parcel[index] as readonly M[];
      total += bulk.length;
      const report = reports?.[index];
      if (report === undefined) {
        failed.push({ messages: bulk.slice(), error: parcelError });
        continue;
      }
      const settlement = settle(bulk, report, notTakenError);
      for (const message of settlement.consumed) consumed.push(message);
      for (const group of settlement.failed) failed.push(group);
    }
    const settlement: Settlement<M> = { consumed, failed: mergeByError(failed) };
    this.#options.onSettled(settlement);
    try {
      await this.#options.settler.settle(settlement);
    } finally {
      this.#options.gate.remove(total);
    }
    return settlement;
  }
}

function mergeByError<M>(groups: { messages: M[]; error: unknown }[]): { messages: M[]; error: unknown }[] {
  if (groups.length <= 1) return groups;
  const merged = new Map<unknown, M[]>();
  for (const group of groups) {
    const existing = merged.get(group.error);
    if (existing === undefined) merged.set(group.error, group.messages);
    else for (const message of group.messages) existing.push(message);
  }
  return [...merged].map(([error, messages]) => ({ messages, error }));
}
