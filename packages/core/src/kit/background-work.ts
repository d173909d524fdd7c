/**
 * Work a source does on its own, with no caller to tell (dead-lettering a bad
 * body, releasing what it will not deliver): each piece's failure goes to its
 * `onFailure`, and `close()` waits for `settled()`.
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<void>>();

  /** Runs `work`; its failure goes to `onFailure`, never thrown. */
  add(work: Promise<unknown>, onFailure: (error: unknown) => void): void {
    const tracked = work.then(
      () => {},
      (error: unknown) => onFailure(error),
    );
    this.#running.add(tracked);
    void tracked.finally(() => this.#running.delete(tracked));
  }

  /** Resolves once no work is left (work added meanwhile included). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
