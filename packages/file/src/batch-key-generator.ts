import { randomBytes } from 'node:crypto';
import type { Clock } from '@conveyor/core/kit';

/**
 * Makes batch keys `<time>_<sequence>_<tag>` that sort in creation order: the
 * time (ms) never goes back within one generator and the sequence breaks ties,
 * so a fast writer's batches stay in order where one-second timestamps would not.
 * The tag tells writers apart, so two processes never make the same name.
 */
export class BatchKeyGenerator {
  /** Unique to this generator: process id and random letters, base 36. */
  readonly tag: string;
  readonly #clock: Clock;
  #lastTime = 0;
  #sequence = 0;
  #giveBacks = 0;

  /** `clock` gives the time of each key (a writer's and a reader's own clock). */
  constructor(clock: Clock) {
    this.#clock = clock;
    this.tag = `${process.pid.toString(36)}${randomBytes(4).readUInt32BE(0).toString(36)}`;
  }

  /** A new key, greater than every key this generator made before. */
  next(): string {
    // A clock set back must not reorder this writer's batches.
    this.#lastTime = Math.max(this.#clock.now(), this.#lastTime);
    return this.#make(this.#lastTime);
  }

  /**
   * A unique key whose time is `time` (a retry batch's due time), without moving
   * the time of the keys `next()` makes.
   */
  at(time: number): string {
    return this.#make(Math.max(0, Math.floor(time)));
  }

  /**
   * A key that sorts at the place of `key` (same time and sequence) but is unique:
   * for rows given back unconsumed, which keep their turn in the queue.
   */
  giveBack(key: string): string {
    const end = key.indexOf('_', 14);
    return `${key.slice(0, end)}_${this.tag}.${(++this.#giveBacks).toString(36)}`;
  }

  #make(time: number): string {
    this.#sequence = (this.#sequence + 1) % 1e10;
    return `${String(time).padStart(13, '0')}_${String(this.#sequence).padStart(10, '0')}_${this.tag}`;
  }
}
