import type { Settlement } from '../bulk/bulk-report.js';
import type { ParcelOutcome } from '../bulk/iterator-rule.js';
import { settleParcel } from '../bulk/iterator-rule.js';
import type { Parcel } from '../bulk/parcel.js';
import type { ConsumerMetrics } from '../consumer/consumer-metrics.js';
import type { Executor } from '../threads/executor.js';
import type { RateLimiter } from './rate-limiter.js';
import type { LaneQueue, LaneTicket, OrderingKey } from './lane-queue.js';
import type { Clock, ClockTimer } from '../kit/clock.js';
import { ShutdownError } from '../errors/shutdown-error.js';
import { isPoison } from '../kit/release-reason.js';
import type { FlightGate } from './flight-gate.js';
import type { FlightWindow } from './flight-window.js';
import { ParcelQueue } from './parcel-queue.js';
import { ParcelSizer } from './parcel-sizer.js';
import type { Settler } from './settler.js';

/**
 * At most this many messages of one key in a parcel (a chain): enough to fill
 * parcels when few keys are ready, short enough that a failure holds back little.
 */
const maxChain = 16;

export interface DispatcherOptions<M> {
  readonly executor: Executor<M>;
  readonly settler: Settler<M>;
  readonly gate: FlightGate;
  /** When set (`maxInFlight` not fixed), sizes the gate's limit from the settle rate. */
  readonly window?: FlightWindow | undefined;
  /** Messages per handler call. */
  readonly bulkSize: number;
  /** Concurrent handler runs. */
  readonly maxHandlers: number;
  /** Largest parcel in messages; 0 sends one bulk per parcel. */
  readonly maxParcelMessages: number;
  /**
   * Parcels cross to pool threads: two per handler slot keep the threads busy
   * while the next one is encoded, and a key's messages may travel as a chain in
   * one parcel (fewer, fuller hops). Inline, neither pays: one parcel per slot,
   * one message of a key per parcel.
   */
  readonly crossesThreads?: boolean | undefined;
  /**
   * Whether the next parcel may carry several bulks (when unset: always, as
   * `maxParcelMessages` allows). Inline, only while the handler has run synchronously.
   */
  readonly packsNow?: (() => boolean) | undefined;
  readonly onSettled: (settlement: Settlement<M>) => void;
  /** When set, each parcel is timed and reported (costs two clock reads per parcel). */
  readonly metrics?: ConsumerMetrics | undefined;
  /** When set, each parcel waits for its messages' tokens before it runs. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Aborted at shutdown: a parcel waiting for tokens goes on. */
  readonly signal: AbortSignal;
  /** Ordered lanes: the key of a message (undefined: no order to keep) and the lanes that hold keyed messages. */
  readonly lanes?:
    { readonly keyOf: (message: M) => OrderingKey | undefined; readonly queue: LaneQueue<M>; readonly clock: Clock } | undefined;
}

/**
 * Sends received messages to the executor in parcels and settles what comes
 * back: when several bulks wait, one pool task carries many of them, which
 * amortises the thread hop (what makes bulkSize 1 fast) without changing what
 * each handler call sees. Suspects of a thread death or an uncaught error are
 * handled again one by one, before anything else, so a poison message is found
 * without charging its neighbours.
 */
export class Dispatcher<M> {
  readonly #options: DispatcherOptions<M>;
  readonly #queue: ParcelQueue<M>;
  readonly #sizer: ParcelSizer;
  /** Suspects waiting to be handled alone. */
  #suspects: M[] = [];
  /** When each suspect was queued (`performance.now()`, for a metrics adapter's wait times; 0 without one). */
  #suspectsSince: number[] = [];
  /** Parcels dispatched and not settled yet (their messages are held: the lease keeper renews them). */
  readonly #inFlight = new Set<Parcel<M>>();
  /** The next parcel comes from the lanes (keyed messages) rather than the queue: they take turns. */
  #lanesTurn = true;
  /** Pumps when a held or throttled key may move again (nothing else may arrive to pump). */
  #wakeTimer: ClockTimer | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #running = 0;
  /** Shutdown took the pending messages: nothing waits in lanes any more. */
  #closed = false;
  // Two parcels per handler slot keep pool threads busy while the next parcel is encoded.
  readonly #maxRunning: number;
  /** Most messages of one key a parcel carries. */
  readonly #maxChain: number;

  constructor(options: DispatcherOptions<M>) {
    this.#options = options;
    this.#queue = new ParcelQueue(options.bulkSize);
    this.#sizer = new ParcelSizer(options.bulkSize, options.maxParcelMessages, options.packsNow);
    const hops = this.#sizer.packs && options.crossesThreads === true;
    this.#maxRunning = hops ? options.maxHandlers * 2 : options.maxHandlers;
    this.#maxChain = hops ? maxChain : 1;
  }

  /** Bulks waiting for a handler slot. */
  get pendingBulks(): number {
    return this.#queue.bulks + this.#suspects.length + Math.ceil((this.#options.lanes?.queue.waiting ?? 0) / this.#options.bulkSize);
  }

  /**
   * Queues a get() result; it is cut into bulks of `bulkSize` as it is
   * dispatched. Messages the executor cannot take (they cannot cross to a pool
   * thread unchanged) fail at once, without running the handler.
   */
  enqueue(messages: readonly M[]): void {
    const admission = this.#options.executor.admit(messages);
    if (admission.rejected.length > 0) void this.#reject(admission.rejected);
    if (admission.admitted.length === 0) return;
    const enqueuedAt = this.#options.metrics === undefined ? 0 : performance.now();
    const lanes = this.#options.lanes;
    if (lanes === undefined) this.#queue.push(admission.admitted, enqueuedAt, admission.structured);
    else {
      let unkeyed: M[] | undefined;
      for (const message of admission.admitted) {
        const key = lanes.keyOf(message);
        if (key === undefined) (unkeyed ??= []).push(message);
        else lanes.queue.push(message, key, admission.structured, enqueuedAt);
      }
      if (unkeyed !== undefined) this.#queue.push(unkeyed, enqueuedAt, admission.structured);
    }
    this.#pump();
  }

  /** Every message held now: waiting (queue, lanes, suspects) or in a parcel not settled yet. For the lease keeper. */
  held(): M[] {
    const held = [...this.#queue.peekAll(), ...this.#suspects, ...(this.#options.lanes?.queue.peekAll() ?? [])];
    for (const parcel of this.#inFlight) for (const message of parcel.messages) held.push(message);
    return held;
  }

  /** Takes every bulk not dispatched yet, as parcels (shutdown gives them back to the source). */
  takePending(): Parcel<M>[] {
    this.#closed = true;
    const suspects = this.#suspects.splice(0);
    this.#suspectsSince = [];
    const parcels = this.#queue.takeAll();
    const keyed = this.#options.lanes?.queue.takeAll() ?? [];
    if (keyed.length > 0) parcels.push({ messages: keyed, bulkSizes: keyed.map(() => 1) });
    if (suspects.length > 0) parcels.push({ messages: suspects, bulkSizes: suspects.map(() => 1), isolated: true });
    return parcels;
  }

  #pump(): void {
    this.#options.lanes?.queue.expireHolds();
    this.#options.lanes?.queue.releaseThrottled();
    while (this.#running < this.#maxRunning) {
      let parcel: Parcel<M>;
      let structured = true;
      let enqueuedAt = 0;
      let ticket: LaneTicket | undefined;
      const lanes = this.#options.lanes?.queue;
      const fromLanes = lanes !== undefined && lanes.readyLanes > 0 && (this.#lanesTurn || this.#queue.messages === 0);
      if (this.#suspects.length > 0) {
        parcel = { messages: [this.#suspects.shift() as M], bulkSizes: [1], isolated: true };
        enqueuedAt = this.#suspectsSince.shift() ?? 0;
      } else if (fromLanes) {
        // Each key at most once in flight, as a chain of its oldest messages in one parcel:
        // parcels stay large enough to amortise the hop even when few keys are ready.
        const target = this.#sizer.target(lanes.waiting + this.#queue.messages, this.#maxRunning - this.#running, true);
        const max = Math.min(target, this.#options.rateLimiter?.capacity ?? target);
        const taken = lanes.take(max, this.#maxChain);
        this.#lanesTurn = false;
        if (lanes.throttledLanes > 0) this.#watchLanes();
        // Every ready key was out of tokens (keyRateLimit): they wait aside, the queue may go on.
        if (taken.messages.length === 0) continue;
        // Each level cut into bulks of its own: a bulk never holds two messages of a key.
        const bulkSizes: number[] = [];
        for (const level of taken.levels) cut(level, this.#options.bulkSize, bulkSizes);
        parcel = { messages: taken.messages, bulkSizes, ...(taken.after === undefined ? {} : { after: taken.after }) };
        structured = taken.structured;
        enqueuedAt = taken.oldestArrival;
        ticket = taken.ticket;
      } else if (this.#queue.messages > 0) {
        this.#lanesTurn = true;
        enqueuedAt = this.#queue.oldestEnqueuedAt;
        // Share what waits among the free slots, so every thread gets work.
        const target = this.#sizer.target(this.#queue.messages, this.#maxRunning - this.#running);
        const taken = this.#queue.take(Math.min(target, this.#options.rateLimiter?.capacity ?? target));
        parcel = taken.parcel;
        structured = taken.structured;
      } else return;
      this.#running++;
      this.#inFlight.add(parcel);
      void this.#runParcel(parcel, structured, enqueuedAt, ticket);
    }
  }

  async #runParcel(parcel: Parcel<M>, structured: boolean, enqueuedAt: number, ticket: LaneTicket | undefined): Promise<void> {
    const metrics = this.#options.metrics;
    await this.#options.rateLimiter?.acquire(parcel.messages.length, this.#options.signal);
    const dispatchedAt = metrics === undefined ? 0 : performance.now();
    const trace = metrics?.dispatched?.(parcel.messages);
    const result = await this.#options.executor.run(parcel, structured, trace?.context);
    this.#inFlight.delete(parcel);
    if ('reports' in result.outcome && parcel.isolated !== true) this.#sizer.learn(parcel.messages.length, result.busyMs);
    this.#running--;
    const settlement = await this.settle(parcel, result.outcome, structured, ticket);
    if (metrics !== undefined) {
      const handlerMs = performance.now() - dispatchedAt;
      let failed = 0;
      for (const group of settlement.failed) failed += group.messages.length;
      const sample = {
        bulks: parcel.bulkSizes.length,
        consumed: settlement.consumed.length,
        failed,
        handlerMs,
        waitMs: dispatchedAt - enqueuedAt,
      };
      const settled = { ...sample, threadId: result.threadId };
      metrics.settled(settled);
      trace?.end(settled);
    }
  }

  /**
   * Applies the iterator rule to a parcel's outcome and hands the result to the
   * source; suspects stay in flight and are queued to be handled alone.
   */
  async settle(parcel: Parcel<M>, outcome: ParcelOutcome, structured = true, ticket?: LaneTicket): Promise<Settlement<M>> {
    let settlement = settleParcel(parcel, outcome);
    const lanes = this.#options.lanes?.queue;
    // Keyed messages from the lanes: the consumed ones' keys move on by the take's ticket, the
    // few others (failed, held, suspect) are looked up by message below.
    if (ticket !== undefined && lanes !== undefined) {
      if (settlement.consumed === parcel.messages) lanes.doneTaken(ticket);
      else lanes.doneTaken(ticket, parcel.messages, notConsumed(settlement));
    }
    if (this.#closed && settlement.held !== undefined) {
      // Shutdown took what waits already: held messages go back to the source rather than to a lane nobody empties.
      const { held, ...rest } = settlement;
      lanes?.done(held);
      settlement = { ...rest, failed: [...rest.failed, { messages: held, error: new ShutdownError() }] };
    }
    const queuedAt = this.#options.metrics === undefined || settlement.suspects.length === 0 ? 0 : performance.now();
    for (const suspect of settlement.suspects) {
      this.#suspects.push(suspect);
      this.#suspectsSince.push(queuedAt);
    }
    if (lanes !== undefined) {
      // Consumed or dead-lettered: the key moves on. Gone back to the source: the key waits for it.
      if (ticket === undefined) lanes.done(settlement.consumed);
      for (const group of settlement.failed) {
        if (isPoison(group.error)) lanes.done(group.messages);
        else lanes.failed(group.messages);
      }
      // Never ran (their key's message before them failed): back to their lanes, still in flight.
      if (settlement.held !== undefined)
        lanes.holdBack(settlement.held, structured, this.#options.metrics === undefined ? 0 : performance.now());
    }
    this.#pump();
    const stayed = settlement.suspects.length + (settlement.held?.length ?? 0);
    const deadLettered = await this.#settle(settlement, parcel.messages.length - stayed);
    if (lanes !== undefined) {
      if (deadLettered.length > 0) lanes.done(deadLettered);
      this.#watchLanes();
      this.#pump();
    }
    return settlement;
  }

  /**
   * Pumps again when the earliest hold of a blocked key lapses or a throttled
   * key has a token again (nothing else may arrive to pump then); a sooner wake
   * replaces a later one.
   */
  #watchLanes(): void {
    const lanes = this.#options.lanes;
    if (lanes === undefined) return;
    const wake = lanes.queue.nextWake;
    if (wake === undefined || (this.#wakeTimer !== undefined && this.#wakeAt <= wake)) return;
    this.#wakeTimer?.clear();
    this.#wakeAt = wake;
    this.#wakeTimer = lanes.clock
      .setTimeout(
        () => {
          this.#wakeTimer = undefined;
          this.#wakeAt = Number.POSITIVE_INFINITY;
          this.#pump();
          this.#watchLanes();
        },
        Math.max(0, wake - lanes.clock.now()),
      )
      .unref();
  }

  /** Stops watching lanes (shutdown). */
  stop(): void {
    this.#wakeTimer?.clear();
    this.#wakeTimer = undefined;
    this.#wakeAt = Number.POSITIVE_INFINITY;
  }

  async #reject(rejected: ReadonlyArray<{ readonly messages: M[]; readonly error: unknown }>): Promise<void> {
    let count = 0;
    for (const group of rejected) count += group.messages.length;
    await this.#settle(
      { consumed: [], failed: rejected.map((group) => ({ messages: group.messages, error: group.error })), suspects: [] },
      count,
    );
  }

  async #settle(settlement: Settlement<M>, settledMessages: number): Promise<readonly M[]> {
    this.#options.onSettled(settlement);
    try {
      return await this.#options.settler.settle(settlement);
    } finally {
      this.#options.gate.remove(settledMessages);
      this.#options.window?.settled(settledMessages);
    }
  }
}

/** The messages of a settlement that were not consumed: failed, held or suspect. */
function notConsumed<M>(settlement: Settlement<M>): Set<M> {
  const others = new Set<M>(settlement.suspects);
  for (const group of settlement.failed) for (const message of group.messages) others.add(message);
  for (const message of settlement.held ?? []) others.add(message);
  return others;
}

/** Bulk sizes cutting `count` messages into bulks of `bulkSize`, appended to `sizes`. */
function cut(count: number, bulkSize: number, sizes: number[] = []): number[] {
  for (let start = 0; start < count; start += bulkSize) sizes.push(Math.min(bulkSize, count - start));
  return sizes;
}
