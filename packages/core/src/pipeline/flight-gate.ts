/**
 * Counts messages received and not yet settled; pollers wait here while the
 * count is at `limit` (backpressure) or the consumer is paused, and shutdown
 * waits here for zero.
 */
export class FlightGate {
  #limit: number;
  #paused = false;
  #count = 0;
  #reserved = 0;
  #roomWaiters: Array<() => void> = [];
  #emptyWaiters: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Most messages in flight before pollers wait (a `FlightWindow` may move it). */
  get limit(): number {
    return this.#limit;
  }

  /** Moves the limit; pollers waiting for room go on if it grew past the count. */
  resize(limit: number): void {
    this.#limit = limit;
    if (this.#count < limit && !this.#paused && this.#roomWaiters.length > 0) wakeAll(this.#roomWaiters);
  }

  /** One poller's share of the limit: the most one `get()` may ask for. */
  share(pollers: number): number {
    return Math.max(1, Math.floor(this.#limit / pollers));
  }

  get count(): number {
    return this.#count;
  }

  /** How many more messages fit before the limit (never below 0). */
  get room(): number {
    return Math.max(0, this.#limit - this.#count);
  }

  add(messages: number): void {
    this.#count += messages;
  }

  /**
   * Claims room for one `get()` call (at most `share`, so other pollers can poll
   * meanwhile), so concurrent pollers never together overshoot the limit;
   * `commit()` gives back the part the call did not use.
   */
  reserve(share: number): number {
    const room = Math.min(this.room, share);
    this.#count += room;
    this.#reserved += room;
    return room;
  }

  /** Ends a reservation: `received` messages keep their share, the rest is given back. */
  commit(reserved: number, received: number): void {
    this.#reserved -= reserved;
    this.remove(reserved - received);
  }

  /** Messages received and not yet settled (reservations of pending get() calls excluded). */
  get inFlight(): number {
    return this.#count - this.#reserved;
  }

  remove(messages: number): void {
    this.#count -= messages;
    if (this.#count < this.#limit && !this.#paused && this.#roomWaiters.length > 0) wakeAll(this.#roomWaiters);
    if (this.#count === 0 && this.#emptyWaiters.length > 0) wakeAll(this.#emptyWaiters);
  }

  /** True while pollers are held (`consumer.pause()`). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Holds pollers before their next `get()` (in-flight messages go on), or lets them go. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused && this.#roomWaiters.length > 0 && this.#count < this.#limit) wakeAll(this.#roomWaiters);
  }

  /** Resolves when there is room and the gate is not paused, or when `signal` aborts. */
  waitForRoom(signal: AbortSignal): Promise<void> {
    if ((this.#count < this.#limit && !this.#paused) || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#roomWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when nothing is in flight. */
  waitForEmpty(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }
}

function wakeAll(waiters: Array<() => void>): void {
  const woken = waiters.splice(0);
  for (const wake of woken) wake();
}
