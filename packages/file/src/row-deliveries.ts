import type { Clock } from '@conveyor/core/kit';
import type { BatchRow, ClaimedBatch } from './claimed-batch.js';
import type { FileMessage } from './file-message.js';
import type { TraceCarrier } from '@conveyor/core';

// Per row: 0 = not out (never delivered, given back, or its visibility expired), -1 = settled, > 0 = the delivery out.
const notOut = 0;
const settled = -1;

/** A claimed batch as the source delivers it. */
interface Claim<T> {
  readonly batch: ClaimedBatch<T>;
  /** Next row never delivered. */
  next: number;
  readonly deliveries: Float64Array;
  /** When each row's delivery lapses (renewed by `extend()`); none when deliveries never lapse (the default). */
  readonly deadlines: Float64Array | undefined;
}

/**
 * The visibility of rows `start` to `end` (excluded) of a claimed batch, delivered
 * together with consecutive delivery numbers from `firstDelivery`: they expire at
 * `deadline` unless settled or renewed before. One record a `take()` run, not a
 * row: the per-row cost of a delivery stays a number in a typed array. It names
 * its batch by key, not by its claim: a record outlives its batch until its
 * deadline, and holding the claim would keep every row of every batch settled
 * within the visibility timeout in memory.
 */
interface Visibility {
  /** The claimed batch's key (delivery numbers never repeat, so a batch claimed again under it is told apart). */
  readonly batch: string;
  readonly start: number;
  readonly end: number;
  readonly firstDelivery: number;
  readonly deadline: number;
}

interface RowOf<T> {
  readonly claim: Claim<T>;
  readonly index: number;
}

/**
 * Which rows of a `FileSource`'s claimed batches are out, and which to deliver
 * next: rows to deliver again first (given back uncharged, or whose visibility
 * expired), then the rows of the claimed batches never delivered, oldest batch
 * first. Each delivery has a number; settling an older delivery does nothing.
 */
export class RowDeliveries<T> {
  readonly #visibilityTimeout: number;
  readonly #clock: Clock;
  readonly #claims = new Map<string, Claim<T>>();
  /** Claims with rows never delivered, oldest first. */
  #fresh: Claim<T>[] = [];
  /** Rows to deliver again, before fresh ones. */
  #again: RowOf<T>[] = [];
  /** Visibility of the deliveries out, in deadline order (the timeout is constant). */
  #visibilities: Visibility[] = [];
  #visibilityHead = 0;
  #delivery = 0;

  constructor(visibilityTimeout: number, clock: Clock) {
    this.#visibilityTimeout = visibilityTimeout;
    this.#clock = clock;
  }

  /** Rows delivered and not settled yet. */
  get inFlight(): number {
    let count = 0;
    for (const claim of this.#claims.values()) for (const delivery of claim.deliveries) if (delivery > 0) count++;
    return count;
  }

  /** Up to `max` rows: those to deliver again, then fresh ones, claiming batches with `claimNext` as needed. */
  take(max: number, claimNext: () => ClaimedBatch<T> | undefined): FileMessage<T>[] {
    const messages: FileMessage<T>[] = [];
    const visible = this.#visibilityTimeout !== Number.POSITIVE_INFINITY;
    // One clock read a call: every row delivered now shares its deadline.
    const deadline = visible ? this.#clock.now() + this.#visibilityTimeout : 0;
    if (visible) this.#expire();
    while (messages.length < max && this.#again.length > 0) {
      const { claim, index } = this.#again.shift() as RowOf<T>;
      if (claim.deliveries[index] !== notOut || this.#claims.get(claim.batch.key) !== claim) continue;
      const message = this.#deliver(claim, index, deadline);
      messages.push(message);
      if (visible)
        this.#visibilities.push({
          batch: claim.batch.key,
          start: index,
          end: index + 1,
          firstDelivery: message.receipt.delivery,
          deadline,
        });
    }
    while (messages.length < max) {
      // Another batch only while less than half of `max` is gathered: claimed and left half
      // delivered, a batch would wait for the next get() — out of other readers' reach, and its rows
      // kept alive long enough for V8 to move them to the old generation (measured: a third slower).
      const claim = this.#fresh[0] ?? (messages.length * 2 < max ? this.#add(claimNext()) : undefined);
      if (claim === undefined) break;
      const start = claim.next;
      const end = Math.min(claim.batch.size, start + max - messages.length);
      const firstDelivery = this.#delivery + 1;
      for (let index = start; index < end; index++) messages.push(this.#deliver(claim, index, deadline));
      if (visible && end > start) this.#visibilities.push({ batch: claim.batch.key, start, end, firstDelivery, deadline });
      claim.next = end;
      if (end === claim.batch.size) this.#fresh.shift();
    }
    return messages;
  }

  /** Settles the current deliveries among `messages` with `apply` (consume or fail), batch by batch. */
  settle(messages: readonly FileMessage<T>[], apply: (batch: ClaimedBatch<T>, rows: BatchRow<T>[]) => void): void {
    // Messages of one bulk nearly always share a batch: group consecutive runs.
    let current: Claim<T> | undefined;
    let rows: BatchRow<T>[] = [];
    const flush = (): void => {
      if (current === undefined || rows.length === 0) return;
      const batch = current.batch;
      try {
        apply(batch, rows);
      } finally {
        // Done even when finishing it threw (its file went back whole): the claim, and its rows, go.
        if (batch.done) this.#claims.delete(batch.key);
      }
      rows = [];
    };
    for (const message of messages) {
      const claim = this.#current(message);
      if (claim === undefined) continue;
      if (claim !== current) {
        flush();
        current = claim;
      }
      claim.deliveries[message.receipt.index] = settled;
      rows.push(claim.batch.rows[message.receipt.index] as BatchRow<T>);
    }
    flush();
  }

  /** The current deliveries among `messages` go back at once, first in line, and the delivery is not counted. */
  giveBack(messages: readonly FileMessage<T>[]): void {
    for (const message of messages) {
      const claim = this.#current(message);
      if (claim === undefined) continue;
      claim.deliveries[message.receipt.index] = notOut;
      this.#again.push({ claim, index: message.receipt.index });
    }
  }

  /** Forgets every claim (the reader gives their batches back). */
  clear(): void {
    this.#claims.clear();
    this.#fresh = [];
    this.#again = [];
    this.#visibilities = [];
    this.#visibilityHead = 0;
  }

  /** The trace context the message's row was written with, while its batch is claimed. */
  traceContextOf(message: FileMessage<T>): TraceCarrier | undefined {
    return this.#claims.get(message.receipt.batch)?.batch.traceContextOf(message.receipt.index);
  }

  /** The claim of `message` if it is the row's current delivery; `undefined` for a settled batch or an older delivery. */
  #current(message: FileMessage<T>): Claim<T> | undefined {
    const { batch, index, delivery } = message.receipt;
    const claim = this.#claims.get(batch);
    return claim !== undefined && claim.deliveries[index] === delivery ? claim : undefined;
  }

  #add(batch: ClaimedBatch<T> | undefined): Claim<T> | undefined {
    if (batch === undefined) return undefined;
    const deadlines = this.#visibilityTimeout === Number.POSITIVE_INFINITY ? undefined : new Float64Array(batch.size);
    const claim: Claim<T> = { batch, next: 0, deliveries: new Float64Array(batch.size), deadlines };
    this.#claims.set(batch.key, claim);
    this.#fresh.push(claim);
    return claim;
  }

  /** Row `index` out as the next delivery number, visible again at `deadline` (the caller records the visibility). */
  #deliver(claim: Claim<T>, index: number, deadline: number): FileMessage<T> {
    const delivery = ++this.#delivery;
    claim.deliveries[index] = delivery;
    if (claim.deadlines !== undefined) claim.deadlines[index] = deadline;
    const row = claim.batch.rows[index] as BatchRow<T>;
    return {
      id: row.id,
      body: row.body,
      receiveCount: claim.batch.receiveCountOf(index),
      receipt: { batch: claim.batch.key, index, delivery },
    };
  }

  /**
   * Renews the visibility of these deliveries for another visibility timeout;
   * settled or lapsed ones are skipped. The timeout is constant, so the new
   * entries keep the visibility list in deadline order.
   */
  extend(messages: readonly FileMessage<T>[]): void {
    if (this.#visibilityTimeout === Number.POSITIVE_INFINITY) return;
    const deadline = this.#clock.now() + this.#visibilityTimeout;
    for (const message of messages) {
      const claim = this.#current(message);
      if (claim === undefined) continue;
      const { index, delivery } = message.receipt;
      (claim.deadlines as Float64Array)[index] = deadline;
      this.#visibilities.push({ batch: claim.batch.key, start: index, end: index + 1, firstDelivery: delivery, deadline });
    }
  }

  /** Deliveries out longer than the visibility timeout count as a receive and are delivered again. */
  #expire(): void {
    const now = this.#clock.now();
    while (this.#visibilityHead < this.#visibilities.length) {
      const visibility = this.#visibilities[this.#visibilityHead] as Visibility;
      if (visibility.deadline > now) break;
      this.#visibilityHead++;
      const { start, end, firstDelivery } = visibility;
      const claim = this.#claims.get(visibility.batch);
      if (claim === undefined) continue; // its batch is gone
      for (let index = start; index < end; index++) {
        // Settled, delivered again, or renewed since (a later entry holds its deadline).
        if (
          claim.deliveries[index] !== firstDelivery + (index - start) ||
          ((claim.deadlines as Float64Array)[index] as number) > visibility.deadline
        )
          continue;
        claim.deliveries[index] = notOut;
        claim.batch.countExpiredDelivery(index);
        this.#again.push({ claim, index });
      }
    }
    if (this.#visibilityHead > 1024 && this.#visibilityHead * 2 > this.#visibilities.length) {
      this.#visibilities = this.#visibilities.slice(this.#visibilityHead);
      this.#visibilityHead = 0;
    }
  }
}
