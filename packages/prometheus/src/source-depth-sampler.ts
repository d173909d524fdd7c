import type { SourceDepth } from '@conveyor/core';

/**
 * Reads a source's depth for the queue gauges: one `inspect()` at a time, its
 * reading shared by every gauge of the scrape (prom-client collects them all
 * at once), so a scrape costs one broker call and messages none.
 */
export class SourceDepthSampler {
  readonly #read: () => Promise<SourceDepth | undefined>;
  readonly #timeoutMs: number;
  #pending: Promise<SourceDepth | undefined> | undefined;

  /** `timeoutMs`: a read slower than this counts as failed (the scrape goes on without it). */
  constructor(read: () => Promise<SourceDepth | undefined>, timeoutMs: number) {
    this.#read = read;
    this.#timeoutMs = timeoutMs;
  }

  /** The depth now; undefined when the source cannot tell, or the read failed or timed out. */
  sample(): Promise<SourceDepth | undefined> {
    this.#pending ??= this.#readWithTimeout().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #readWithTimeout(): Promise<SourceDepth | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#timeoutMs);
    });
    try {
      // A failing or slow broker leaves the queue gauges out of this scrape rather than failing it.
      return await Promise.race([
        Promise.resolve()
          .then(this.#read)
          .catch(() => undefined),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
