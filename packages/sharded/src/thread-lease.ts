import { randomUUID } from 'node:crypto';
import { systemClock } from '@conveyor/core/kit';
import type { Clock, ClockTimer } from '@conveyor/core/kit';
import type { Lock } from './lock.js';

/**
 * A thread's lock held by one owner token and kept alive by a heartbeat every
 * third of its timeout: the lease of a claimed thread. When the heartbeat finds
 * the lock gone (or cannot reach the lock for a whole timeout), the lease is lost.
 */
export class ThreadLease {
  readonly thread: string;
  readonly token: string;
  readonly #lock: Lock;
  readonly #onLost: () => void;
  readonly #clock: Clock;
  readonly #interval: number;
  #timer: ClockTimer | undefined;
  #lastExtended: number;
  #lost = false;
  #released = false;

  private constructor(lock: Lock, thread: string, token: string, onLost: () => void, clock: Clock) {
    this.#lock = lock;
    this.thread = thread;
    this.token = token;
    this.#onLost = onLost;
    this.#clock = clock;
    this.#lastExtended = clock.now();
    this.#interval = Math.max(5, Math.floor(lock.timeout / 3));
    this.#schedule();
  }

  /** Takes the thread's lock; `undefined` when someone else holds it. */
  static async acquire(
    lock: Lock,
    thread: string,
    onLost: () => void = () => {},
    clock: Clock = systemClock,
  ): Promise<ThreadLease | undefined> {
    const token = randomUUID();
    if (!(await lock.acquire(thread, token))) return undefined;
    return new ThreadLease(lock, thread, token, onLost, clock);
  }

  /** The lock was lost: another worker may be handling this thread now. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Stops the heartbeat without releasing: the lock expires by itself (what a crash looks like). */
  abandon(): void {
    this.#released = true;
    this.#timer?.clear();
  }

  /** Stops the heartbeat and frees the lock if it is still ours. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.abandon();
    if (!this.#lost) await this.#lock.release(this.thread, this.token);
  }

  #schedule(): void {
    // A forgotten lease must not keep the process alive; its lock simply expires.
    this.#timer = this.#clock.setTimeout(() => void this.#beat(), this.#interval).unref();
  }

  async #beat(): Promise<void> {
    if (this.#released || this.#lost) return;
    try {
      if (await this.#lock.extend(this.thread, this.token)) this.#lastExtended = this.#clock.now();
      else this.#loseLock();
    } catch {
      // Unreachable lock: after a whole timeout without extension, assume it expired.
      if (this.#clock.now() - this.#lastExtended >= this.#lock.timeout) this.#loseLock();
    }
    // The next beat is scheduled once this one is done: beats never overlap.
    if (!this.#released && !this.#lost) this.#schedule();
  }

  #loseLock(): void {
    if (this.#released) return;
    this.#lost = true;
    this.#timer?.clear();
    this.#onLost();
  }
}
