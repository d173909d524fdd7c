import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@conveyor/core/kit';
import { availName, keyTime, parseBatchName } from './batch-name.js';
import { listClaimable } from './queue-folder.js';

/**
 * A reader's view of the batches it can claim: a cached listing of the `avail_`
 * names, oldest first, listed again when used up. Listing also promotes the
 * retry batches that fell due (`retry_<key>.db` renamed `avail_<key>.db`, by
 * whichever reader gets there first), and remembers when the next one falls due,
 * so that the cache is dropped for it then.
 */
export class AvailableBatches {
  readonly #directory: string;
  readonly #clock: Clock;
  #names: string[] = [];
  #head = 0;
  #nextRetryDue = Number.POSITIVE_INFINITY;

  constructor(directory: string, clock: Clock) {
    this.#directory = directory;
    this.#clock = clock;
  }

  /** A retry batch falls due at `due` (one this reader wrote; others' are seen at the next listing). */
  retryScheduled(due: number): void {
    this.#nextRetryDue = Math.min(this.#nextRetryDue, due);
  }

  /** The next name of the cached listing, oldest first; `undefined` when it is used up (or a retry batch fell due). */
  next(): string | undefined {
    if (this.#clock.now() >= this.#nextRetryDue) this.#head = this.#names.length;
    return this.#names[this.#head++];
  }

  /** Lists the folder again, promoting the retry batches that are due; returns how many names are available. */
  list(): number {
    const { avail, retry } = listClaimable(this.#directory);
    const now = this.#clock.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const name of retry) {
      const key = parseBatchName(name)?.key;
      if (key === undefined) continue;
      const due = keyTime(key);
      if (due > now) nextDue = Math.min(nextDue, due);
      else if (this.#promote(name, key)) avail.push(availName(key));
    }
    this.#nextRetryDue = nextDue;
    this.#names = avail.sort();
    this.#head = 0;
    return this.#names.length;
  }

  #promote(name: string, key: string): boolean {
    try {
      renameSync(join(this.#directory, name), join(this.#directory, availName(key)));
      return true;
    } catch (error) {
      // Another reader promoted it first (and perhaps claimed it already).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}
