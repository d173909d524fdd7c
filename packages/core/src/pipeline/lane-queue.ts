import type { Clock } from '../kit/clock.js';
import type { KeyBuckets } from './key-buckets.js';

/** A message's ordering key: messages of one key run one at a time, in arrival order. */
export type OrderingKey = string | number;

interface Waiting<M> {
  readonly message: M;
  /** Must cross to a pool thread as structured data. */
  readonly structured: boolean;
}

/** One key's messages, in arrival order. */
interface Lane<M> {
  readonly key: OrderingKey;
  readonly queue: Waiting<M>[];
  /** The message of this key being handled (at most one). */
  running: M | undefined;
  /** A message of this key failed and went back to the source: later ones wait for it (its id) to come back. */
  blockedBy: unknown;
  blockedAt: number;
  /** Out of tokens (`keyRateLimit`): waits aside until then (0: not waiting). */
  throttledUntil: number;
  /** In the ready ring. */
  ready: boolean;
}

/**
 * Ordered lanes: messages with an ordering key wait in their key's lane and are
 * handed out one key at a time — at most one message of a key in flight, in
 * arrival order — while different keys run in parallel. Lanes take turns (a
 * ring), so a hot key never holds back others. A message that fails goes back to
 * its source; its key then waits for it to come back (matched by `idOf`), for
 * the source to say it was dead-lettered, or for `holdTimeout` to pass. With
 * per-key buckets (`keyRateLimit`), a key out of tokens waits aside until it has
 * one, while the other keys go on. See docs/adr/0006-ordered-lanes.md.
 */
export class LaneQueue<M> {
  readonly #idOf: (message: M) => unknown;
  readonly #holdTimeout: number;
  readonly #clock: Clock;
  readonly #onHoldExpired: (key: OrderingKey, blockedBy: unknown) => void;
  readonly #keyBuckets: KeyBuckets | undefined;
  /** Lanes out of tokens, and the earliest time one of them has a token again. */
  #throttled: Lane<M>[] = [];
  #throttledUntil = Number.POSITIVE_INFINITY;
  readonly #lanes = new Map<OrderingKey, Lane<M>>();
  readonly #laneOfRunning = new Map<M, Lane<M>>();
  /** Blocked lanes by the id of the message they wait for. */
  readonly #blockedBy = new Map<unknown, Lane<M>>();
  #ready: Lane<M>[] = [];
  #readyHead = 0;
  #waiting = 0;

  constructor(options: {
    readonly idOf: (message: M) => unknown;
    readonly holdTimeout: number;
    readonly clock: Clock;
    readonly onHoldExpired: (key: OrderingKey, blockedBy: unknown) => void;
    /** Per-key token buckets (`keyRateLimit`). */
    readonly keyBuckets?: KeyBuckets | undefined;
  }) {
    this.#keyBuckets = options.keyBuckets;
    this.#idOf = options.idOf;
    this.#holdTimeout = options.holdTimeout;
    this.#clock = options.clock;
    this.#onHoldExpired = options.onHoldExpired;
  }

  /** Messages waiting in lanes (held behind a running or failed one included). */
  get waiting(): number {
    return this.#waiting;
  }

  /** Lanes with a message ready to run. */
  get readyLanes(): number {
    return this.#ready.length - this.#readyHead;
  }

  /** Keys waiting aside for a token of their rate limit. */
  get throttledLanes(): number {
    return this.#throttled.length;
  }

  /** Keys waiting for a failed message to come back. */
  get blockedLanes(): number {
    return this.#blockedBy.size;
  }

  push(message: M, key: OrderingKey, structured: boolean): void {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { key, queue: [], running: undefined, blockedBy: undefined, blockedAt: 0, throttledUntil: 0, ready: false };
      this.#lanes.set(key, lane);
    }
    this.#waiting++;
    if (lane.blockedBy !== undefined && this.#idOf(message) === lane.blockedBy) {
      // The failed message is back: it goes first, and the key moves again.
      lane.queue.unshift({ message, structured });
      this.#unblock(lane);
    } else lane.queue.push({ message, structured });
    this.#offer(lane);
  }

  /** When the earliest hold lapses or a throttled key has a token again (undefined: no key waits). */
  get nextWake(): number | undefined {
    let earliest = this.#throttledUntil;
    for (const lane of this.#blockedBy.values()) earliest = Math.min(earliest, lane.blockedAt + this.#holdTimeout);
    return earliest === Number.POSITIVE_INFINITY ? undefined : earliest;
  }

  /** Takes the head of up to `max` ready lanes, one message a key; a key out of tokens is set aside instead. */
  take(max: number): { readonly messages: M[]; readonly structured: boolean } {
    const messages: M[] = [];
    let structured = false;
    while (messages.length < max && this.#readyHead < this.#ready.length) {
      const lane = this.#ready[this.#readyHead++] as Lane<M>;
      lane.ready = false;
      const wait = this.#keyBuckets?.take(lane.key) ?? 0;
      if (wait > 0) {
        this.#throttle(lane, this.#clock.now() + wait);
        continue;
      }
      const head = lane.queue.shift() as Waiting<M>;
      this.#waiting--;
      lane.running = head.message;
      this.#laneOfRunning.set(head.message, lane);
      messages.push(head.message);
      structured ||= head.structured;
    }
    if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
    return { messages, structured };
  }

  /** These messages are done with (consumed, or dead-lettered): their keys move on. */
  done(messages: readonly M[]): void {
    for (const message of messages) {
      const lane = this.#laneOfRunning.get(message);
      if (lane !== undefined) {
        this.#laneOfRunning.delete(message);
        lane.running = undefined;
        this.#offer(lane);
        continue;
      }
      // A message dead-lettered after its key started waiting for it.
      const waiting = this.#blockedBy.get(this.#idOf(message));
      if (waiting !== undefined) {
        this.#unblock(waiting);
        this.#offer(waiting);
      }
    }
  }

  /** These messages went back to their source: their keys wait for them to come back. */
  failed(messages: readonly M[]): void {
    for (const message of messages) {
      const lane = this.#laneOfRunning.get(message);
      if (lane === undefined) continue;
      this.#laneOfRunning.delete(message);
      lane.running = undefined;
      lane.blockedBy = this.#idOf(message);
      lane.blockedAt = this.#clock.now();
      this.#blockedBy.set(lane.blockedBy, lane);
    }
  }

  /** Every message waiting in a lane, without taking them. */
  peekAll(): M[] {
    const all: M[] = [];
    for (const lane of this.#lanes.values()) for (const waiting of lane.queue) all.push(waiting.message);
    return all;
  }

  /** Everything waiting, for shutdown (unstarted messages go back to the source). */
  takeAll(): M[] {
    const all: M[] = [];
    for (const lane of this.#lanes.values()) for (const waiting of lane.queue.splice(0)) all.push(waiting.message);
    this.#waiting = 0;
    this.#ready = [];
    this.#readyHead = 0;
    for (const lane of this.#throttled) lane.throttledUntil = 0;
    this.#throttled = [];
    this.#throttledUntil = Number.POSITIVE_INFINITY;
    return all;
  }

  /** Keys whose wait for a token is over are ready again (in the order they were set aside). */
  releaseThrottled(): void {
    const now = this.#clock.now();
    if (now < this.#throttledUntil) return;
    const still: Lane<M>[] = [];
    let until = Number.POSITIVE_INFINITY;
    for (const lane of this.#throttled) {
      if (lane.throttledUntil > now) {
        still.push(lane);
        until = Math.min(until, lane.throttledUntil);
        continue;
      }
      lane.throttledUntil = 0;
      this.#offer(lane);
    }
    this.#throttled = still;
    this.#throttledUntil = until;
  }

  #throttle(lane: Lane<M>, until: number): void {
    lane.throttledUntil = until;
    this.#throttled.push(lane);
    this.#throttledUntil = Math.min(this.#throttledUntil, until);
  }

  #offer(lane: Lane<M>): void {
    if (lane.ready || lane.running !== undefined || lane.blockedBy !== undefined || lane.throttledUntil > 0) return;
    if (lane.queue.length === 0) {
      this.#lanes.delete(lane.key);
      return;
    }
    lane.ready = true;
    this.#ready.push(lane);
  }

  #unblock(lane: Lane<M>): void {
    if (lane.blockedBy === undefined) return;
    this.#blockedBy.delete(lane.blockedBy);
    lane.blockedBy = undefined;
  }

  /** A failed message that never came back (taken by another consumer, or gone) within `holdTimeout`: its key moves on. */
  expireHolds(): void {
    if (this.#blockedBy.size === 0) return;
    const now = this.#clock.now();
    for (const lane of [...this.#blockedBy.values()]) {
      if (now - lane.blockedAt < this.#holdTimeout) continue;
      const blockedBy = lane.blockedBy;
      this.#unblock(lane);
      this.#onHoldExpired(lane.key, blockedBy);
      this.#offer(lane);
    }
  }
}
