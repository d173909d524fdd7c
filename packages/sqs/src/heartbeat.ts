/**
 * A timer that runs `tick` every `period` ms while there is work, one tick at a
 * time (a slow tick is never overlapped). `tick` resolves false when nothing is
 * left to watch; the timer then stops until `wake()` is called again.
 */
export class Heartbeat {
  readonly #period: number;
  readonly #tick: () => Promise<boolean>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopped = false;

  constructor(period: number, tick: () => Promise<boolean>, onError: (error: unknown) => void) {
    this.#period = period;
    this.#tick = tick;
    this.#onError = onError;
  }

  /** Starts the timer if it is not running. */
  wake(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => void this.#run(), this.#period);
    // Never the reason a process stays alive.
    this.#timer.unref();
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    this.#pause();
  }

  #pause(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #run(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      if (!(await this.#tick())) this.#pause();
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#ticking = false;
    }
  }
}
