/** The acknowledgements to send for a set of finished deliveries. */
export interface Acks {
  /** Ack every delivery up to this tag with one `multiple` ack (every earlier one is finished too). */
  readonly upTo: number | undefined;
  /** Ack each of these alone (an earlier delivery of the channel is still open). */
  readonly singles: readonly number[];
}

const compactAt = 4096;

/**
 * The open deliveries of one channel, by delivery tag, to acknowledge as few
 * times as possible: when every delivery up to a tag is finished, one
 * `basic.ack(tag, multiple)` settles them all; a finished delivery behind an
 * open one is acked alone at once (holding it would hold a prefetch slot).
 * Tags grow by one per delivery on a channel, so the book is an array in
 * delivery order with a moving head.
 */
export class AckBook {
  #order: number[] = [];
  #head = 0;
  /** Open tags: delivered and neither acked nor nacked. */
  readonly #open = new Set<number>();

  /** Deliveries still open. */
  get size(): number {
    return this.#open.size;
  }

  /** Records a delivery (tags arrive in increasing order). */
  delivered(tag: number): void {
    this.#order.push(tag);
    this.#open.add(tag);
  }

  /** Whether `tag` is open. */
  has(tag: number): boolean {
    return this.#open.has(tag);
  }

  /** These deliveries are finished (consumed, or their retry or dead letter confirmed): what to ack. */
  finish(tags: Iterable<number>): Acks {
    const finished = new Set<number>();
    for (const tag of tags) if (this.#open.delete(tag)) finished.add(tag);
    if (finished.size === 0) return { upTo: undefined, singles: [] };
    let upTo: number | undefined;
    // Walk the head past every tag that is no longer open: finished now (acked by the
    // multiple ack) or settled before (acked or nacked alone).
    while (this.#head < this.#order.length) {
      const tag = this.#order[this.#head] as number;
      if (this.#open.has(tag)) break;
      if (finished.delete(tag)) upTo = tag;
      this.#head++;
    }
    this.#compact();
    return { upTo, singles: [...finished] };
  }

  /** These deliveries were settled otherwise (nacked): forget them. */
  forget(tags: Iterable<number>): void {
    for (const tag of tags) this.#open.delete(tag);
    while (this.#head < this.#order.length && !this.#open.has(this.#order[this.#head] as number)) this.#head++;
    this.#compact();
  }

  #compact(): void {
    if (this.#head >= compactAt && this.#head * 2 >= this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }
}
