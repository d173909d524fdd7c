/**
 * A parcel runs on one thread, indivisibly: large parcels amortise the thread
 * hop for quick handlers, but would leave threads idle behind a long parcel
 * for CPU-heavy ones. Parcels are sized to take about this long to handle,
 * from a moving average of the handler time per message.
 * See docs/adr/0001-parcels-sized-from-handler-time.md.
 */
const parcelTargetMs = 2;
const costSmoothing = 0.3;
/** Bulks a parcel may carry before the first parcel came back: a small drain is not cut into one-bulk parcels. */
const unknownCostBulks = 4;

/** Learns what a message costs the handler and says how many messages a parcel should carry. */
export class ParcelSizer {
  readonly #bulkSize: number;
  readonly #maxParcelMessages: number;
  readonly #packsNow: (() => boolean) | undefined;
  /** Moving average of handler milliseconds per message; undefined until a parcel came back. */
  #msPerMessage: number | undefined;

  /**
   * `maxParcelMessages` 0: one bulk a parcel. `packsNow`, when given, says
   * whether the next parcel may carry several bulks (the inline executor: only
   * while its handler has returned no promise).
   */
  constructor(bulkSize: number, maxParcelMessages: number, packsNow?: () => boolean) {
    this.#bulkSize = bulkSize;
    this.#maxParcelMessages = maxParcelMessages;
    this.#packsNow = packsNow;
  }

  /** True when parcels may carry several bulks. */
  get packs(): boolean {
    return this.#maxParcelMessages > 0;
  }

  /**
   * How many messages the next parcel should carry, sharing `waiting` messages
   * among `freeSlots` — unless they are less work than one parcel's worth: then
   * one parcel takes them all, as sharing would only multiply the hops (each a
   * post and a sleeping thread woken) for work one thread does at once. With
   * `share`, always shared (ordered lanes: a key's messages are in one parcel at
   * a time, so what one parcel takes no other can).
   */
  target(waiting: number, freeSlots: number, share = false): number {
    if (!this.packs || this.#packsNow?.() === false) return this.#bulkSize;
    const limit = this.#limit();
    if (!share && this.#msPerMessage !== undefined && waiting * this.#msPerMessage < parcelTargetMs) return Math.min(limit, waiting);
    return Math.min(limit, Math.ceil(waiting / freeSlots));
  }

  /** A parcel of `messages` kept the handler side busy `busyMs`. */
  learn(messages: number, busyMs: number): void {
    if (messages === 0) return;
    const sample = busyMs / messages;
    this.#msPerMessage = this.#msPerMessage === undefined ? sample : this.#msPerMessage + costSmoothing * (sample - this.#msPerMessage);
  }

  /**
   * The largest parcel that should take about `parcelTargetMs`; until the cost
   * is known, at most `unknownCostBulks` bulks (what waits is shared among the
   * free slots all the same, so no thread idles behind a long first parcel).
   */
  #limit(): number {
    if (this.#msPerMessage === undefined) return Math.min(this.#maxParcelMessages, unknownCostBulks * this.#bulkSize);
    if (this.#msPerMessage <= 0) return this.#maxParcelMessages;
    return Math.min(this.#maxParcelMessages, Math.max(1, Math.floor(parcelTargetMs / this.#msPerMessage)));
  }
}
