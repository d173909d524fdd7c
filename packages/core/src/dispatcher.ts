import type { Settlement } from './bulk.js';
import { settleRange, toFailedGroups } from './bulk.js';
import { MessageNotTakenError, PoolThreadError } from './errors.js';
import type { Executor, Parcel, ParcelReports } from './executors/executor.js';
import type { FlightGate } from './flight-gate.js';
import type { ConsumerMetrics } from './metrics.js';
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
 * A parcel runs on one thread, indivisibly: large parcels amortise the thread
 * hop for quick handlers, but would leave threads idle behind a long parcel
 * for CPU-heavy ones. Parcels are sized to take about this long to handle,
 * from a moving average of the handler time per message.
 */
const parcelTargetMs = 2;
const costSmoothing = 0.3;

/** One get() result, not yet fully dispatched. */
interface Chunk<M> {
  readonly messages: readonly M[];
  /** Messages before this index were dispatched; always a bulk boundary. */
  offset: number;
  readonly enqueuedAt: number;
}

/** How a parcel ended: its reports, or the error that lost it whole. */
type Outcome = { readonly reports: ParcelReports } | { readonly lost: unknown };

/**
 * Queues received messages and sends them to the executor in parcels: when
 * several bulks wait, one pool task carries many of them as one flat array,
 * which amortises the thread hop (what makes bulkSize 1 fast) without changing
 * what each handler call sees. Bulks are ranges of their get() result: cutting
 * copies nothing, and a parcel fully consumed is cleaned up as it is.
 */
export class Dispatcher<M> {
  readonly #options: DispatcherOptions<M>;
  #chunks: Chunk<M>[] = [];
  #head = 0;
  #pendingMessages = 0;
  #running = 0;
  /** Moving average of handler milliseconds per message; undefined until a parcel came back. */
  #msPerMessage: number | undefined;
  // Two parcels per handler slot keep pool threads busy while the next parcel is encoded.
  readonly #maxRunning: number;

  constructor(options: DispatcherOptions<M>) {
    this.#options = options;
    this.#maxRunning = options.maxParcelMessages > 0 ? options.maxHandlers * 2 : options.maxHandlers;
  }

  /** Bulks waiting for a handler slot. */
  get pendingBulks(): number {
    let bulks = 0;
    for (let index = this.#head; index < this.#chunks.length; index++) {
      const chunk = this.#chunks[index] as Chunk<M>;
      bulks += Math.ceil((chunk.messages.length - chunk.offset) / this.#options.bulkSize);
    }
    return bulks;
  }

  /** Queues a get() result; it is cut into bulks of `bulkSize` as it is dispatched. */
  enqueue(messages: readonly M[]): void {
    this.#chunks.push({ messages, offset: 0, enqueuedAt: this.#options.metrics === undefined ? 0 : performance.now() });
    this.#pendingMessages += messages.length;
    this.#pump();
  }

  /** Takes every bulk not dispatched yet, as parcels (shutdown gives them back to the source). */
  takePending(): Parcel<M>[] {
    const parcels: Parcel<M>[] = [];
    while (this.#pendingMessages > 0) parcels.push(this.#take(Number.POSITIVE_INFINITY));
    return parcels;
  }

  #pump(): void {
    const { maxParcelMessages, bulkSize } = this.#options;
    while (this.#running < this.#maxRunning && this.#pendingMessages > 0) {
      const enqueuedAt = (this.#chunks[this.#head] as Chunk<M>).enqueuedAt;
      // Share what waits among the free slots, so every thread gets work.
      const freeSlots = this.#maxRunning - this.#running;
      const target =
        maxParcelMessages === 0 ? bulkSize : Math.min(this.#parcelLimit(maxParcelMessages), Math.ceil(this.#pendingMessages / freeSlots));
      const parcel = this.#take(target);
      this.#running++;
      void this.#runParcel(parcel, enqueuedAt);
    }
  }

  /** The largest parcel that should take about `parcelTargetMs`; one bulk until the cost is known. */
  #parcelLimit(maxParcelMessages: number): number {
    if (this.#msPerMessage === undefined) return this.#options.bulkSize;
    if (this.#msPerMessage <= 0) return maxParcelMessages;
    return Math.min(maxParcelMessages, Math.max(1, Math.floor(parcelTargetMs / this.#msPerMessage)));
  }

  #learnCost(messages: number, busyMs: number): void {
    if (messages === 0) return;
    const sample = busyMs / messages;
    this.#msPerMessage = this.#msPerMessage === undefined ? sample : this.#msPerMessage + costSmoothing * (sample - this.#msPerMessage);
  }

  /** Takes whole bulks, at least one, until about `target` messages. */
  #take(target: number): Parcel<M> {
    const { bulkSize } = this.#options;
    const bulkSizes: number[] = [];
    let messages: readonly M[] | undefined;
    let gathered: M[] | undefined;
    let count = 0;
    while (this.#head < this.#chunks.length && (count === 0 || count < target)) {
      const chunk = this.#chunks[this.#head] as Chunk<M>;
      const remaining = chunk.messages.length - chunk.offset;
      const take = Math.min(remaining, Math.max(1, Math.ceil((target - count) / bulkSize)) * bulkSize);
      for (let cut = 0; cut < take; cut += bulkSize) bulkSizes.push(Math.min(bulkSize, take - cut));
      const whole = chunk.offset === 0 && take === chunk.messages.length;
      if (messages === undefined && whole) messages = chunk.messages;
      else {
        gathered ??= messages === undefined ? [] : [...messages];
        messages = gathered;
        for (let index = chunk.offset; index < chunk.offset + take; index++) gathered.push(chunk.messages[index] as M);
      }
      chunk.offset += take;
      count += take;
      if (chunk.offset === chunk.messages.length) {
        this.#chunks[this.#head++] = undefined as unknown as Chunk<M>;
        if (this.#head === this.#chunks.length) {
          this.#chunks = [];
          this.#head = 0;
        } else if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
          this.#chunks = this.#chunks.slice(this.#head);
          this.#head = 0;
        }
      }
    }
    this.#pendingMessages -= count;
    return { messages: messages ?? [], bulkSizes };
  }

  async #runParcel(parcel: Parcel<M>, enqueuedAt: number): Promise<void> {
    const metrics = this.#options.metrics;
    const dispatchedAt = metrics === undefined ? 0 : performance.now();
    let outcome: Outcome;
    let threadId: number | undefined;
    try {
      const result = await this.#options.executor.run(parcel);
      this.#learnCost(parcel.messages.length, result.busyMs);
      threadId = result.threadId;
      outcome = { reports: result.reports };
    } catch (error) {
      outcome = { lost: error };
    }
    this.#running--;
    this.#pump();
    const settlement = await this.settleParcel(parcel, outcome);
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

  /** Applies the iterator rule to every bulk of a parcel, then hands the result to the source. */
  async settleParcel(parcel: Parcel<M>, outcome: Outcome): Promise<Settlement<M>> {
    const settlement = settleOutcome(parcel, outcome);
    this.#options.onSettled(settlement);
    try {
      await this.#options.settler.settle(settlement);
    } finally {
      this.#options.gate.remove(parcel.messages.length);
    }
    return settlement;
  }
}

function settleOutcome<M>(parcel: Parcel<M>, outcome: Outcome): Settlement<M> {
  if ('lost' in outcome) {
    // Bulks the dead thread had fully consumed before it died stay consumed; the rest failed.
    const completed = outcome.lost instanceof PoolThreadError ? outcome.lost.completedBulks : 0;
    let split = 0;
    for (let index = 0; index < completed; index++) split += parcel.bulkSizes[index] as number;
    const failed = parcel.messages.slice(split);
    return { consumed: parcel.messages.slice(0, split), failed: failed.length > 0 ? [{ messages: failed, error: outcome.lost }] : [] };
  }
  const { reports } = outcome;
  // The common case: everything consumed, cleaned up in one call, no copy.
  if (reports === undefined) return { consumed: parcel.messages as M[], failed: [] };
  const consumed: M[] = [];
  const failedByReason = new Map<unknown, M[]>();
  let notTaken: MessageNotTakenError | undefined;
  const notTakenError = (): MessageNotTakenError => (notTaken ??= new MessageNotTakenError());
  let start = 0;
  for (let index = 0; index < parcel.bulkSizes.length; index++) {
    const end = start + (parcel.bulkSizes[index] as number);
    const report = reports[index];
    if (report === undefined) for (let at = start; at < end; at++) consumed.push(parcel.messages[at] as M);
    else settleRange(parcel.messages, start, end, report, notTakenError, consumed, failedByReason);
    start = end;
  }
  return { consumed, failed: toFailedGroups(failedByReason) };
}
