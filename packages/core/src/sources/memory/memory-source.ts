import type { BackoffPolicy } from '../../kit/backoff.js';
import { backoffDelay } from '../../kit/backoff.js';
import type { Clock } from '../../kit/clock.js';
import type { DeliveredMessage } from '../../kit/delivered-message.js';
import { isPoison, isUncharged } from '../../kit/release-reason.js';
import { Wakeup } from '../../kit/wakeup.js';
import type { GetHint, ReleaseReport, Source, SourceDepth } from '../source.js';
import type { SourceDescription } from '../source-description.js';
import type { TraceCarrier } from '../trace-carrier.js';
import { DelayedRetries } from './delayed-retries.js';
import type { MemorySourceOptions } from './memory-source-options.js';
import { resolveMemorySourceOptions } from './memory-source-options.js';

/** A message as the memory source delivers it: `id` is stable across deliveries, `receipt` numbers this delivery. */
export interface MemoryMessage<T> extends DeliveredMessage<T, number> {
  readonly id: number;
}

/**
 * The stored record behind a delivery. Symbol-keyed, so neither JSON nor
 * structured cloning carries it to pool threads: it costs the hop nothing.
 */
const storedKey = Symbol('conveyor.memory.stored');

interface Delivery<T> extends MemoryMessage<T> {
  readonly [storedKey]: Stored<T>;
}

interface Stored<T> {
  readonly id: number;
  readonly body: T;
  /** When it was sent (the source's clock): the oldest waiting one gives `inspect().oldestAgeMs`. */
  readonly sentAt: number;
  /** The trace context it was sent with (`sendMany(bodies, { traceContext })`). */
  readonly traceContext: TraceCarrier | undefined;
  receiveCount: number;
  /** The delivery in flight, if any: a cleanup or release of any other delivery is stale. */
  delivery: MemoryMessage<T> | undefined;
  lease: Lease<T> | undefined;
}

/** One get() call's messages: invisible together until settled or expired. */
interface Lease<T> {
  /**
   * The deliveries handed out (the batch get() returned); emptied once none is
   * outstanding, as the lease may wait behind an older one for its deadline.
   */
  deliveries: Delivery<T>[];
  outstanding: number;
  readonly deadline: number;
}

/**
 * An in-process queue with the semantics of a real broker: delivered messages
 * are invisible until cleaned up, released, or their visibility times out.
 * The embedded default source, and the reference the conformance suite checks.
 */
export class MemorySource<T> implements Source<MemoryMessage<T>> {
  readonly #maxMessagesPerGet: number;
  readonly #waitTime: number;
  readonly #visibilityTimeout: number;
  readonly #maxReceiveCount: number;
  readonly #retryBackoff: BackoffPolicy | false;
  readonly #clock: Clock;
  /** Long-polling get() calls waiting for a message. */
  readonly #arrivals: Wakeup;
  readonly #orderingKey: ((body: T) => string | number | undefined) | undefined;
  readonly #description: SourceDescription;
  #ready: Stored<T>[] = [];
  #readyHead = 0;
  /** Released messages, served before the ready ones. */
  #retry: Stored<T>[] = [];
  /** Failed messages waiting out their backoff. */
  readonly #delayed = new DelayedRetries<Stored<T>>();
  /** Open leases in deadline order (the timeout is constant), for cheap expiry. */
  #leases: Lease<T>[] = [];
  #leasesHead = 0;
  #inFlight = 0;
  #drainWaiters: Array<() => void> = [];
  #nextId = 1;
  #nextReceipt = 1;
  #consumed = 0;
  #closed = false;
  /** Messages that failed `maxReceiveCount` charged deliveries (or could never be handled), with the last error. */
  readonly deadLetters: Array<{ message: MemoryMessage<T>; error: unknown }> = [];

  constructor(options?: MemorySourceOptions<T>) {
    const resolved = resolveMemorySourceOptions(options);
    this.#maxMessagesPerGet = resolved.maxMessagesPerGet;
    this.#waitTime = resolved.waitTime;
    this.#visibilityTimeout = resolved.visibilityTimeout;
    this.#maxReceiveCount = resolved.maxReceiveCount;
    this.#retryBackoff = resolved.retryBackoff;
    this.#clock = resolved.clock;
    this.#arrivals = new Wakeup(resolved.clock);
    this.#orderingKey = resolved.orderingKey as ((body: T) => string | number | undefined) | undefined;
    this.#description = Object.freeze({ system: 'memory', destination: resolved.name });
    // Only a source with a key function offers one: the consumer then keeps each key's order.
    const keyOfBody = this.#orderingKey;
    if (keyOfBody !== undefined) this.orderingKey = (message) => keyOfBody(message.body);
  }

  /** Messages waiting to be delivered (failed ones waiting out their backoff included). */
  get size(): number {
    return this.#ready.length - this.#readyHead + this.#retry.length + this.#delayed.size;
  }

  /** Messages delivered and not yet cleaned up or released. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Messages cleaned up so far. */
  get consumedCount(): number {
    return this.#consumed;
  }

  /** Adds messages at the tail; returns their ids. */
  send(...bodies: T[]): number[] {
    return this.sendMany(bodies);
  }

  /**
   * Adds messages at the tail; returns their ids. `traceContext` (W3C headers,
   * e.g. `currentTraceContext()` of `@conveyor/opentelemetry`) travels with them,
   * as a broker's message attributes would: process spans link to it.
   */
  sendMany(bodies: Iterable<T>, options?: { readonly traceContext?: TraceCarrier | undefined }): number[] {
    if (this.#closed) throw new Error('MemorySource is closed');
    const ids: number[] = [];
    const sentAt = this.#clock.now();
    const traceContext = options?.traceContext;
    for (const body of bodies) {
      const id = this.#nextId++;
      this.#ready.push({ id, body, sentAt, traceContext, receiveCount: 0, delivery: undefined, lease: undefined });
      ids.push(id);
    }
    if (ids.length > 0) this.#wake();
    return ids;
  }

  async get(signal: AbortSignal, hint?: GetHint): Promise<MemoryMessage<T>[]> {
    const max = Math.min(this.#maxMessagesPerGet, hint?.maxMessages ?? this.#maxMessagesPerGet);
    let batch = this.#take(max);
    if (batch.length > 0 || this.#waitTime === 0 || signal.aborted) return batch;
    await this.#waitForMessages(signal);
    batch = this.#take(max);
    return batch;
  }

  cleanup(consumed: MemoryMessage<T>[]): void {
    for (const message of consumed) {
      if (this.#settle(message) !== undefined) this.#consumed++;
    }
    this.#checkDrained();
  }

  /**
   * Gives failed messages back. Uncharged ones (the handler never received
   * them) go back at once and their delivery is not counted; charged ones come
   * back after `retryBackoff`, or go to `deadLetters` after `maxReceiveCount`
   * charged deliveries; poison ones (they can never be handled) go there at once.
   */
  release(failed: MemoryMessage<T>[], error: unknown): ReleaseReport<MemoryMessage<T>> {
    const deadLettered: MemoryMessage<T>[] = [];
    const uncharged = isUncharged(error);
    const poison = isPoison(error);
    const now = this.#clock.now();
    for (const message of failed) {
      const stored = this.#settle(message);
      if (stored === undefined) continue;
      if (uncharged) {
        stored.receiveCount--;
        this.#retry.push(stored);
      } else if (poison || stored.receiveCount >= this.#maxReceiveCount) {
        this.deadLetters.push({ message, error });
        deadLettered.push(message);
      } else if (this.#retryBackoff === false) {
        this.#retry.push(stored);
      } else {
        this.#delayed.add(stored, now + backoffDelay(stored.receiveCount, this.#retryBackoff));
      }
    }
    if (this.#retry.length > 0) this.#wake();
    this.#checkDrained();
    return { deadLettered };
  }

  /** The message's shard key, when the `orderingKey` option gives one. */
  declare readonly orderingKey?: (message: MemoryMessage<T>) => string | number | undefined;

  /** How long a delivery stays invisible unless extended: `visibilityTimeout`. */
  leaseDuration(): number {
    return this.#visibilityTimeout;
  }

  /** Renews the visibility of these deliveries for another `visibilityTimeout`; stale ones are skipped. */
  extend(messages: MemoryMessage<T>[]): void {
    const renewed: Delivery<T>[] = [];
    for (const message of messages) {
      const stored = (message as Partial<Delivery<T>>)[storedKey];
      if (stored === undefined || stored.delivery !== message || stored.lease === undefined) continue;
      this.#outstandingLess(stored.lease);
      renewed.push(message as Delivery<T>);
    }
    if (renewed.length === 0) return;
    // The timeout is constant, so a lease made now has the latest deadline: the list stays in deadline order.
    const lease: Lease<T> = { deliveries: renewed, outstanding: renewed.length, deadline: this.#clock.now() + this.#visibilityTimeout };
    for (const delivery of renewed) delivery[storedKey].lease = lease;
    this.#leases.push(lease);
  }

  /** `{ system: 'memory', destination: name }`. */
  describe(): SourceDescription {
    return this.#description;
  }

  /** The trace context the message was sent with, if any. */
  traceContext(message: MemoryMessage<T>): TraceCarrier | undefined {
    return (message as Partial<Delivery<T>>)[storedKey]?.traceContext;
  }

  inspect(): SourceDepth {
    let oldest = this.#ready[this.#readyHead]?.sentAt ?? Number.POSITIVE_INFINITY;
    for (const stored of this.#retry) oldest = Math.min(oldest, stored.sentAt);
    for (const stored of this.#delayed.items()) oldest = Math.min(oldest, stored.sentAt);
    const oldestAgeMs = oldest === Number.POSITIVE_INFINITY ? 0 : Math.max(0, this.#clock.now() - oldest);
    return { waiting: this.size, inFlight: this.inFlight, deadLetters: this.deadLetters.length, oldestAgeMs };
  }

  /** Resolves when every message sent was cleaned up or dead-lettered. */
  drained(): Promise<void> {
    if (this.size === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #take(max: number): MemoryMessage<T>[] {
    this.#expireLeases();
    if (this.#delayed.size > 0) for (const due of this.#delayed.takeDue(this.#clock.now())) this.#retry.push(due);
    const available = this.#retry.length + this.#ready.length - this.#readyHead;
    const count = Math.min(max, available);
    if (count === 0) return [];
    const batch = new Array<Delivery<T>>(count);
    const lease: Lease<T> = { deliveries: batch, outstanding: count, deadline: this.#clock.now() + this.#visibilityTimeout };
    let index = 0;
    // Released messages first, then the ready ones, in a tight loop of their own.
    while (index < count && this.#retry.length > 0) batch[index++] = this.#deliver(this.#retry.shift() as Stored<T>, lease);
    const ready = this.#ready;
    let head = this.#readyHead;
    while (index < count) {
      batch[index++] = this.#deliver(ready[head] as Stored<T>, lease);
      ready[head++] = undefined as unknown as Stored<T>;
    }
    this.#readyHead = head;
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 4096 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
    this.#leases.push(lease);
    this.#inFlight += count;
    return batch;
  }

  #deliver(stored: Stored<T>, lease: Lease<T>): Delivery<T> {
    stored.receiveCount++;
    const delivery: Delivery<T> = {
      id: stored.id,
      body: stored.body,
      receiveCount: stored.receiveCount,
      receipt: this.#nextReceipt++,
      [storedKey]: stored,
    };
    stored.delivery = delivery;
    stored.lease = lease;
    return delivery;
  }

  /** Marks a delivery settled; undefined when it was settled before or its lease expired (a stale delivery). */
  #settle(message: MemoryMessage<T>): Stored<T> | undefined {
    const stored = (message as Partial<Delivery<T>>)[storedKey];
    if (stored === undefined || stored.delivery !== message) return undefined;
    stored.delivery = undefined;
    this.#outstandingLess(stored.lease as Lease<T>);
    stored.lease = undefined;
    this.#inFlight--;
    return stored;
  }

  /**
   * One delivery of `lease` settled or moved to a renewed lease. A lease with
   * none outstanding lets go of its deliveries at once: it may wait behind an
   * older lease until that one's deadline, and would keep every message (and
   * body) it ever handed out in memory until then.
   */
  #outstandingLess(lease: Lease<T>): void {
    if (--lease.outstanding === 0) lease.deliveries = [];
  }

  /** Messages whose consumer vanished come back once their visibility timed out. */
  #expireLeases(): void {
    const now = this.#clock.now();
    while (this.#leasesHead < this.#leases.length) {
      const lease = this.#leases[this.#leasesHead] as Lease<T>;
      if (lease.outstanding > 0 && lease.deadline > now) break;
      // Its slot let go of at once, not at the next compaction (up to 1024 leases later).
      this.#leases[this.#leasesHead++] = undefined as unknown as Lease<T>;
      if (lease.outstanding === 0) continue;
      for (const delivery of lease.deliveries) {
        const stored = delivery[storedKey];
        if (stored.lease !== lease || stored.delivery !== delivery) continue;
        // A late cleanup or release of this delivery is now stale.
        stored.delivery = undefined;
        stored.lease = undefined;
        this.#retry.push(stored);
      }
      this.#inFlight -= lease.outstanding;
      lease.outstanding = 0;
    }
    if (this.#leasesHead > 1024 && this.#leasesHead * 2 > this.#leases.length) {
      this.#leases = this.#leases.slice(this.#leasesHead);
      this.#leasesHead = 0;
    }
  }

  #waitForMessages(signal: AbortSignal): Promise<void> {
    // Wake when a delayed retry falls due too, so it is not late by a whole wait.
    const nextDue = this.#delayed.nextDueAt;
    const wait = nextDue === undefined ? this.#waitTime : Math.min(this.#waitTime, Math.max(0, nextDue - this.#clock.now()));
    return this.#arrivals.wait(wait, signal);
  }

  #wake(): void {
    this.#arrivals.wake();
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length > 0 && this.size === 0 && this.inFlight === 0) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }
}
