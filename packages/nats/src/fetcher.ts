import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { Wakeup } from '@conveyor/core/kit';
import type { ClockTimer } from '@conveyor/core/kit';
import { jetStreamAcks } from './jetstream-acks.js';
import type { ResolvedNatsSourceOptions } from './nats-source-options.js';

/** What one `take()` brought: messages, or the failure of a fetch. */
export interface Taken {
  readonly messages: JsMsg[];
  readonly failure: unknown;
}

/** How long past its `expires` a fetch may stay open before it is stopped (its connection dropped meanwhile). */
const overdueMs = 5000;

/**
 * The pulls behind `get()`. Each pull is one `consumer.fetch({ max_messages,
 * expires })` sized from the caller's hint; what it brings lands in one arrival
 * queue that every `get()` takes from. A `get()` returns as soon as it has its
 * hint's worth, or `fetchLinger` after the first arrival, or after `maxWait` with
 * nothing: it never waits for a half-filled fetch to expire. The rest of that
 * fetch keeps arriving into the queue for the next `get()`; while messages wait
 * there their leases are renewed (progress acks), and `close()` gives them back
 * uncharged. At most one fetch is open at a time, so the queue never holds more
 * than one hint's worth.
 */
export class Fetcher {
  readonly #options: ResolvedNatsSourceOptions;
  /** Gives back, uncharged, messages fetched but never handed out (close). */
  readonly #giveBack: (messages: JsMsg[]) => void;
  #queue: JsMsg[] = [];
  /** Messages the open fetch asked for that have not arrived. */
  #outstanding = 0;
  readonly #open = new Set<ConsumerMessages>();
  readonly #pumps = new Set<Promise<void>>();
  /** Takes waiting for the next arrival; the connection keeps the process alive, so its timers need not. */
  readonly #arrivals: Wakeup;
  #failure: unknown;
  #renewal: ClockTimer | undefined;
  #closed = false;

  constructor(options: ResolvedNatsSourceOptions, giveBack: (messages: JsMsg[]) => void) {
    this.#options = options;
    this.#giveBack = giveBack;
    this.#arrivals = new Wakeup(options.clock, { unref: true });
  }

  /** Messages fetched and not handed out yet. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Up to `wanted` messages; [] after `maxWait`, on abort, or with the failure of a fetch. */
  async take(consumer: Consumer, wanted: number, signal: AbortSignal, leaseMs: number): Promise<Taken> {
    const { clock, maxWait, fetchLinger, maxMessages } = this.#options;
    const deadline = clock.now() + maxWait;
    let lingerUntil: number | undefined;
    for (;;) {
      if (signal.aborted || this.#closed) return { messages: [], failure: undefined };
      if (this.#queue.length >= wanted) return this.#takeUpTo(wanted);
      const now = clock.now();
      if (this.#queue.length > 0) {
        lingerUntil ??= now + fetchLinger;
        if (now >= lingerUntil || this.#outstanding === 0) return this.#takeUpTo(wanted);
      } else {
        if (this.#failure !== undefined) {
          const failure = this.#failure;
          this.#failure = undefined;
          return { messages: [], failure };
        }
        if (now >= deadline) return { messages: [], failure: undefined };
        if (this.#outstanding === 0) this.#startFetch(consumer, Math.min(wanted, maxMessages), leaseMs);
      }
      await this.#nextChange(signal, (lingerUntil ?? deadline) - now);
    }
  }

  /** Stops the open fetch and gives back what waits in the queue. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#renewal?.clear();
    for (const messages of this.#open) messages.stop();
    this.#wake();
    await Promise.allSettled([...this.#pumps]);
    const left = this.#queue;
    this.#queue = [];
    if (left.length > 0) this.#giveBack(left);
  }

  #takeUpTo(wanted: number): Taken {
    const messages = this.#queue.splice(0, wanted);
    if (this.#queue.length === 0) {
      this.#renewal?.clear();
      this.#renewal = undefined;
    }
    return { messages, failure: undefined };
  }

  #startFetch(consumer: Consumer, batch: number, leaseMs: number): void {
    this.#outstanding += batch;
    const pump = this.#pump(consumer, batch, leaseMs).finally(() => this.#pumps.delete(pump));
    this.#pumps.add(pump);
  }

  async #pump(consumer: Consumer, batch: number, leaseMs: number): Promise<void> {
    let remaining = batch;
    let messages: ConsumerMessages | undefined;
    let guard: ClockTimer | undefined;
    try {
      messages = await consumer.fetch({ max_messages: batch, expires: this.#options.maxWait });
      const fetched = messages;
      this.#open.add(fetched);
      if (this.#closed) fetched.stop();
      // A fetch whose connection dropped may wait for heartbeats that never come: stop it once overdue.
      guard = this.#options.clock.setTimeout(() => fetched.stop(), this.#options.maxWait + overdueMs).unref();
      for await (const msg of fetched) {
        remaining--;
        this.#outstanding--;
        if (this.#closed) {
          this.#giveBack([msg]);
          continue;
        }
        this.#queue.push(msg);
        this.#renewWhileQueued(leaseMs);
        this.#wake();
      }
    } catch (error) {
      if (!this.#closed) this.#failure = error;
    } finally {
      guard?.clear();
      if (messages !== undefined) this.#open.delete(messages);
      this.#outstanding -= remaining;
      this.#wake();
    }
  }

  /** Messages waiting in the queue keep their leases (no get() may come for a while: a paused consumer). */
  #renewWhileQueued(leaseMs: number): void {
    if (this.#renewal !== undefined || !Number.isFinite(leaseMs)) return;
    this.#renewal = this.#options.clock
      .setTimeout(() => {
        this.#renewal = undefined;
        for (const msg of this.#queue) jetStreamAcks.working(msg);
        if (this.#queue.length > 0) this.#renewWhileQueued(leaseMs);
      }, leaseMs / 2)
      .unref();
  }

  #wake(): void {
    this.#arrivals.wake();
  }

  /** Resolves on the next arrival or end of a fetch, on abort, or after `ms`. */
  #nextChange(signal: AbortSignal, ms: number): Promise<void> {
    return this.#arrivals.wait(ms, signal);
  }
}
