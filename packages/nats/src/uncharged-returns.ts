/**
 * JetStream counts every delivery (`num_delivered`), also those the source gave
 * back uncharged (the handler never had them: `isUncharged(error)`). The source
 * remembers how many uncharged returns it made of each message, by stream
 * sequence, and takes them off the count it reports as `receiveCount` and
 * dead-letters by. The memory is this source's: a message that comes back to
 * another process is counted there as JetStream counts it (see the README).
 */
export class UnchargedReturns {
  readonly #counts = new Map<number, number>();
  readonly #limit: number;

  /** At most `limit` messages are remembered; the oldest entries go first. */
  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  /** Uncharged returns of the message at `sequence` this source made. */
  of(sequence: number): number {
    return this.#counts.get(sequence) ?? 0;
  }

  add(sequence: number): void {
    const count = this.of(sequence) + 1;
    this.#counts.delete(sequence);
    this.#counts.set(sequence, count);
    if (this.#counts.size > this.#limit) {
      const oldest = this.#counts.keys().next();
      if (oldest.done !== true) this.#counts.delete(oldest.value);
    }
  }

  /** The message was settled for good (acked, dead-lettered). */
  forget(sequence: number): void {
    this.#counts.delete(sequence);
  }
}
