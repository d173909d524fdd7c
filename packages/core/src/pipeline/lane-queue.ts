import type { Clock } from '../kit/clock.js';
import type { KeyBuckets } from './key-buckets.js';

/** A message's ordering key: messages of one key run one at a time, in arrival order. */
export type OrderingKey = string | number;

/** Messages taken from the lanes for one parcel. */
export interface Taken<M> {
  /** Level by level: every key's first message, then the second of keys that have one, and so on. */
  readonly messages: M[];
  /** How many messages each level has. */
  readonly levels: readonly number[];
  /** Key chains (`Parcel.after`), or undefined when no key has more than one message here. */
  readonly after: Int32Array | undefined;
  readonly structured: boolean;
  /** When the oldest of these messages arrived (`performance.now()`); 0 unless the lanes are `timed`. */
  readonly oldestArrival: number;
  /** What `doneTaken` needs to move the keys of this take on. */
  readonly ticket: LaneTicket;
}

/** Which lanes a take came from (opaque outside them). */
export interface LaneTicket {
  readonly lanes: readonly unknown[];
}

/** A take's lanes, in the order they were taken, and how many messages each gave. */
interface TakeTicket<M> extends LaneTicket {
  readonly lanes: readonly Lane<M>[];
  readonly chains: readonly number[];
}

/** One key's messages, in arrival order. */
interface Lane<M> {
  readonly key: OrderingKey;
  queue: M[];
  /** When each message of `queue` arrived, kept only when the lanes are `timed`. */
  arrivals: number[] | undefined;
  /** A message of this lane must cross to a pool thread as structured data (sticky while the lane lives). */
  structured: boolean;
  /** Messages of this key in flight: none, or one parcel's chain of them. */
  running: number;
  /** A message of this key failed and went back to the source: later ones wait for it (its id) to come back. */
  blockedBy: unknown;
  blockedAt: number;
  /** Out of tokens (`keyRateLimit`): waits aside until then (0: not waiting). */
  throttledUntil: number;
  /** In the ready ring. */
  ready: boolean;
  /** Empty and waiting for nothing: forgotten at the next sweep unless a message comes. */
  idle: boolean;
}

/** A key blocked by its failed message (`blockedBy`) since `at`. */
interface Hold<M> {
  readonly lane: Lane<M>;
  readonly blockedBy: unknown;
  readonly at: number;
}

/** Idle lanes kept before a sweep forgets them (a sweep also runs when they are half of all lanes). */
const idleLanesKept = 4096;

/**
 * Ordered lanes: messages with an ordering key wait in their key's lane and are
 * handed out one key at a time — a key's messages in flight are in one parcel,
 * as a chain in arrival order (`KeyChains`: each runs only after the one before
 * it was consumed) — while different keys run in parallel. Lanes take turns (a
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
  readonly #timed: boolean;
  /** Lanes out of tokens, and the earliest time one of them has a token again. */
  #throttled: Lane<M>[] = [];
  #throttledUntil = Number.POSITIVE_INFINITY;
  readonly #lanes = new Map<OrderingKey, Lane<M>>();
  readonly #laneOfRunning = new Map<M, Lane<M>>();
  /** Blocked lanes by the id of the message they wait for. */
  readonly #blockedBy = new Map<unknown, Lane<M>>();
  /**
   * Holds in the order they began (the hold timeout is one for all, so also the
   * order they lapse): the earliest is at `#holdsHead`. A hold that ended before
   * it lapsed stays until it reaches the head, and is skipped there.
   */
  #holds: Hold<M>[] = [];
  #holdsHead = 0;
  #ready: Lane<M>[] = [];
  #readyHead = 0;
  #waiting = 0;
  #idle = 0;

  constructor(options: {
    readonly idOf: (message: M) => unknown;
    readonly holdTimeout: number;
    readonly clock: Clock;
    readonly onHoldExpired: (key: OrderingKey, blockedBy: unknown) => void;
    /** Per-key token buckets (`keyRateLimit`). */
    readonly keyBuckets?: KeyBuckets | undefined;
    /** Keep when each message arrived, for `Taken.oldestArrival` (a metrics adapter's wait times). */
    readonly timed?: boolean | undefined;
  }) {
    this.#timed = options.timed === true;
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

  /** Queues a message in its key's lane; `arrivedAt` (`performance.now()`) counts only when the lanes are `timed`. */
  push(message: M, key: OrderingKey, structured: boolean, arrivedAt = 0): void {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      const arrivals = this.#timed ? [] : undefined;
      lane = {
        key,
        queue: [],
        arrivals,
        structured,
        running: 0,
        blockedBy: undefined,
        blockedAt: 0,
        throttledUntil: 0,
        ready: false,
        idle: false,
      };
      this.#lanes.set(key, lane);
    }
    if (lane.idle) {
      lane.idle = false;
      this.#idle--;
    }
    this.#waiting++;
    lane.structured ||= structured;
    if (lane.blockedBy !== undefined && this.#idOf(message) === lane.blockedBy) {
      // The failed message is back: it goes first, and the key moves again.
      lane.queue.unshift(message);
      lane.arrivals?.unshift(arrivedAt);
      this.#unblock(lane);
    } else {
      lane.queue.push(message);
      lane.arrivals?.push(arrivedAt);
    }
    this.#offer(lane);
  }

  /** When the earliest hold lapses or a throttled key has a token again (undefined: no key waits). */
  get nextWake(): number | undefined {
    let earliest = this.#throttledUntil;
    const hold = this.#earliestHold();
    if (hold !== undefined) earliest = Math.min(earliest, hold.at + this.#holdTimeout);
    return earliest === Number.POSITIVE_INFINITY ? undefined : earliest;
  }

  /**
   * Takes up to `max` messages from the ready lanes, a key's oldest up to
   * `depth` of them (all it has, usually: a key's messages in flight are in one
   * parcel, so the lanes taken now are not ready for the next parcel, and a key
   * that fell behind catches up); a key out of tokens is set aside instead. Level k
   * holds each key's k-th message, so cutting each level into bulks of its own
   * puts a key's messages in successive bulks, never two in one.
   */
  take(max: number, depth = 1): Taken<M> {
    // First the lanes and how many messages each gives (its chain), then the messages laid
    // out level by level in one array: no array per level, nothing copied twice.
    const picked: Lane<M>[] = [];
    const chains: number[] = [];
    /** How many lanes gave a chain of each length. */
    const ofLength: number[] = [0];
    let deepest = 0;
    let count = 0;
    let oldestArrival = Number.POSITIVE_INFINITY;
    let structured = false;
    const keyBuckets = this.#keyBuckets;
    while (count < max && this.#readyHead < this.#ready.length) {
      const lane = this.#ready[this.#readyHead++] as Lane<M>;
      lane.ready = false;
      const wait = keyBuckets?.take(lane.key) ?? 0;
      if (wait > 0) {
        this.#throttle(lane, this.#clock.now() + wait);
        continue;
      }
      // A rate-limited key takes one token a message: one message at a time.
      const chain = Math.min(keyBuckets === undefined ? depth : 1, lane.queue.length, max - count);
      picked.push(lane);
      chains.push(chain);
      if (chain > deepest) {
        for (let length = deepest + 1; length <= chain; length++) ofLength[length] = 0;
        deepest = chain;
      }
      (ofLength[chain] as number)++;
      structured ||= lane.structured;
      lane.running = chain;
      count += chain;
    }
    this.#waiting -= count;
    if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
    // Level k holds one message of each lane whose chain is longer than k; `start[k]` is where it begins.
    const levels: number[] = [];
    const start: number[] = [];
    for (let level = 0, longer = picked.length, at = 0; level < deepest; level++) {
      start.push(at);
      levels.push(longer);
      at += longer;
      longer -= ofLength[level + 1] as number;
    }
    const messages: M[] = new Array<M>(count);
    const after = deepest > 1 ? new Int32Array(count) : undefined;
    for (let index = 0; index < picked.length; index++) {
      const lane = picked[index] as Lane<M>;
      const chain = chains[index] as number;
      const queue = lane.queue;
      let before = -1;
      for (let level = 0; level < chain; level++) {
        const at = (start[level] as number)++;
        messages[at] = queue[level] as M;
        if (after !== undefined) after[at] = before;
        before = at;
      }
      // One cut for the chain (usually the whole lane), not a shift per message.
      if (chain === queue.length) lane.queue = [];
      else queue.splice(0, chain);
      if (lane.arrivals !== undefined) {
        // Not only the head: a message back from a failure (or held back) went first with a later time.
        for (let level = 0; level < chain; level++) oldestArrival = Math.min(oldestArrival, lane.arrivals[level] ?? oldestArrival);
        lane.arrivals.splice(0, chain);
      }
    }
    if (oldestArrival === Number.POSITIVE_INFINITY) oldestArrival = 0;
    return { messages, levels, after, structured, oldestArrival, ticket: { lanes: picked, chains } as TakeTicket<M> };
  }

  /**
   * The messages of a `take()` (its `ticket` and `messages`) were consumed but
   * for those in `others` (failed, held, suspect): the consumed ones' keys move
   * on, and from now on `done`, `failed` and `holdBack` find the others' keys by
   * the message. The common case, all consumed, is one step per key.
   */
  doneTaken(ticket: LaneTicket, messages?: readonly M[], others?: ReadonlySet<M>): void {
    const { lanes, chains } = ticket as TakeTicket<M>;
    if (others === undefined || messages === undefined) {
      for (let index = 0; index < lanes.length; index++) (lanes[index] as Lane<M>).running -= chains[index] as number;
    } else {
      // The messages are laid out level by level, each level in the order of the lanes (see take()).
      let at = 0;
      for (let level = 0, more = true; more; level++) {
        more = false;
        for (let index = 0; index < lanes.length; index++) {
          if ((chains[index] as number) <= level) continue;
          more = true;
          const lane = lanes[index] as Lane<M>;
          const message = messages[at++] as M;
          if (others.has(message)) this.#laneOfRunning.set(message, lane);
          else lane.running--;
        }
      }
    }
    for (const lane of lanes) this.#offer(lane);
  }

  /** These messages are done with (consumed, or dead-lettered): their keys move on. */
  done(messages: readonly M[]): void {
    for (const message of messages) {
      const lane = this.#laneOfRunning.get(message);
      if (lane !== undefined) {
        this.#laneOfRunning.delete(message);
        lane.running--;
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

  /**
   * These messages of key chains never ran (their key's message before them did
   * not succeed): they go back to the front of their lanes, in their order
   * (`at`: when, for `timed` lanes — a held message's wait counts from there).
   */
  holdBack(messages: readonly M[], structured: boolean, at = 0): void {
    const lanes = new Set<Lane<M>>();
    for (let index = messages.length - 1; index >= 0; index--) {
      const message = messages[index] as M;
      const lane = this.#laneOfRunning.get(message);
      if (lane === undefined) continue;
      this.#laneOfRunning.delete(message);
      lane.running--;
      lane.queue.unshift(message);
      lane.arrivals?.unshift(at);
      lane.structured ||= structured;
      this.#waiting++;
      lanes.add(lane);
    }
    for (const lane of lanes) this.#offer(lane);
  }

  /** These messages went back to their source: their keys wait for them to come back. */
  failed(messages: readonly M[]): void {
    for (const message of messages) {
      const lane = this.#laneOfRunning.get(message);
      if (lane === undefined) continue;
      this.#laneOfRunning.delete(message);
      lane.running--;
      lane.blockedBy = this.#idOf(message);
      lane.blockedAt = this.#clock.now();
      this.#blockedBy.set(lane.blockedBy, lane);
      this.#holds.push({ lane, blockedBy: lane.blockedBy, at: lane.blockedAt });
    }
  }

  /** Every message waiting in a lane, without taking them. */
  peekAll(): M[] {
    const all: M[] = [];
    for (const lane of this.#lanes.values()) for (const message of lane.queue) all.push(message);
    return all;
  }

  /** Everything waiting, for shutdown (unstarted messages go back to the source). */
  takeAll(): M[] {
    const all: M[] = [];
    for (const lane of this.#lanes.values()) {
      for (const message of lane.queue.splice(0)) all.push(message);
      lane.arrivals?.splice(0);
    }
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
    if (lane.ready || lane.running > 0 || lane.blockedBy !== undefined || lane.throttledUntil > 0) return;
    if (lane.queue.length === 0) {
      // Kept a while, idle: a busy key empties its lane at every take, and would otherwise be rebuilt each time.
      if (!lane.idle) {
        lane.idle = true;
        if (++this.#idle > Math.max(idleLanesKept, this.#lanes.size / 2)) this.#sweepIdle();
      }
      return;
    }
    lane.ready = true;
    this.#ready.push(lane);
  }

  /** Forgets the idle lanes, so memory follows the recently active keys. */
  #sweepIdle(): void {
    for (const [key, lane] of this.#lanes) if (lane.idle) this.#lanes.delete(key);
    this.#idle = 0;
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
    // Only the earliest holds can have lapsed: no walk over every blocked key on every pump.
    for (let hold = this.#earliestHold(); hold !== undefined && now - hold.at >= this.#holdTimeout; hold = this.#earliestHold()) {
      this.#holdsHead++;
      const lane = hold.lane;
      this.#unblock(lane);
      this.#onHoldExpired(lane.key, hold.blockedBy);
      this.#offer(lane);
    }
  }

  /** The earliest hold still on (ended ones are dropped on the way). */
  #earliestHold(): Hold<M> | undefined {
    while (this.#holdsHead < this.#holds.length) {
      const hold = this.#holds[this.#holdsHead] as Hold<M>;
      if (hold.lane.blockedBy === hold.blockedBy && hold.lane.blockedAt === hold.at && this.#blockedBy.get(hold.blockedBy) === hold.lane) {
        if (this.#holdsHead > 1024 && this.#holdsHead * 2 > this.#holds.length) {
          this.#holds = this.#holds.slice(this.#holdsHead);
          this.#holdsHead = 0;
        }
        return hold;
      }
      this.#holdsHead++;
    }
    this.#holds = [];
    this.#holdsHead = 0;
    return undefined;
  }
}
