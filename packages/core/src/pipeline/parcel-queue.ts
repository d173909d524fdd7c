import type { Parcel } from '../bulk/parcel.js';

/** One get() result, not yet fully dispatched. */
interface Chunk<M> {
  readonly messages: readonly M[];
  /** Messages before this index were dispatched; always a bulk boundary. */
  offset: number;
  readonly enqueuedAt: number;
  /** Some message must cross to a pool thread as structured data, not JSON. */
  readonly structured: boolean;
}

/**
 * The messages received and not dispatched yet, in arrival order. `take()`
 * cuts them into bulks of `bulkSize` and packs whole bulks into a parcel.
 * Bulks are ranges of their get() result: a parcel that is one whole result
 * is that very array (no copy).
 */
export class ParcelQueue<M> {
  readonly #bulkSize: number;
  #chunks: Chunk<M>[] = [];
  #head = 0;
  #messages = 0;

  constructor(bulkSize: number) {
    this.#bulkSize = bulkSize;
  }

  /** Messages waiting. */
  get messages(): number {
    return this.#messages;
  }

  /** Bulks waiting. */
  get bulks(): number {
    let bulks = 0;
    for (let index = this.#head; index < this.#chunks.length; index++) {
      const chunk = this.#chunks[index] as Chunk<M>;
      bulks += Math.ceil((chunk.messages.length - chunk.offset) / this.#bulkSize);
    }
    return bulks;
  }

  /** When the oldest waiting message arrived (`performance.now()`, or 0 when not timed). */
  get oldestEnqueuedAt(): number {
    return this.#chunks[this.#head]?.enqueuedAt ?? 0;
  }

  push(messages: readonly M[], enqueuedAt: number, structured = false): void {
    this.#chunks.push({ messages, offset: 0, enqueuedAt, structured });
    this.#messages += messages.length;
  }

  /**
   * Takes whole bulks, at least one, until about `target` messages; the parcel
   * is `structured` when a message of it must cross as structured data.
   */
  take(target: number): { readonly parcel: Parcel<M>; readonly structured: boolean } {
    const bulkSize = this.#bulkSize;
    const bulkSizes: number[] = [];
    let messages: readonly M[] | undefined;
    let gathered: M[] | undefined;
    let count = 0;
    let structured = false;
    while (this.#head < this.#chunks.length && (count === 0 || count < target)) {
      const chunk = this.#chunks[this.#head] as Chunk<M>;
      const remaining = chunk.messages.length - chunk.offset;
      const take = Math.min(remaining, Math.max(1, Math.ceil((target - count) / bulkSize)) * bulkSize);
      for (let cut = 0; cut < take; cut += bulkSize) bulkSizes.push(Math.min(bulkSize, take - cut));
      structured ||= chunk.structured;
      const whole = chunk.offset === 0 && take === chunk.messages.length;
      if (messages === undefined && whole) messages = chunk.messages;
      else {
        gathered ??= messages === undefined ? [] : [...messages];
        messages = gathered;
        for (let index = chunk.offset; index < chunk.offset + take; index++) gathered.push(chunk.messages[index] as M);
      }
      chunk.offset += take;
      count += take;
      if (chunk.offset === chunk.messages.length) this.#dropHead();
    }
    this.#messages -= count;
    return { parcel: { messages: messages ?? [], bulkSizes }, structured };
  }

  /** Every message waiting, without taking them. */
  peekAll(): M[] {
    const all: M[] = [];
    for (let index = this.#head; index < this.#chunks.length; index++) {
      const chunk = this.#chunks[index] as Chunk<M>;
      for (let at = chunk.offset; at < chunk.messages.length; at++) all.push(chunk.messages[at] as M);
    }
    return all;
  }

  /** Takes everything, as parcels of at most `target` messages. */
  takeAll(target = Number.POSITIVE_INFINITY): Parcel<M>[] {
    const parcels: Parcel<M>[] = [];
    while (this.#messages > 0) parcels.push(this.take(target).parcel);
    return parcels;
  }

  #dropHead(): void {
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
