import { randomUUID } from 'node:crypto';
import type { Lock } from './lock.js';

/**
 * A thread lock held by one owner token and kept alive by a heartbeat every
 * third of its timeout. When the heartbeat finds the lock gone (or cannot
 * reach the lock for a whole timeout), the lease is lost.
 */
export class ThreadLease {
  readonly thread: string;
  readonly token: string;
  readonly #lock: Lock;
  readonly #onLost: () => void;
  readonly #timer: NodeJS.Timeout;
  #lastExtended = Date.now();
  #lost = false;
  #released = false;
  #beating = false;

  private constructor(lock: Lock, thread: string, token: string, onLost: () => void) {
    this.#lock = lock;
    this.thread = thread;
    this.token = token;
    this.#onLost = onLost;
    this.#timer = setInterval(() => void this.#beat(), Math.max(5, Math.floor(lock.timeout / 3)));
    // A forgotten lease must not keep the process alive; its lock simply expires.
    this.#timer.unref();
  }

  /** Takes the thread's lock; `undefined` when someone else holds it. */
  static async acquire(lock: Lock, thread: string, onLost: () => void = () => {}): Promise<ThreadLease | undefined> {
    const token = randomUUID();
    if (!(await lock.acquire(thread, token))) return undefined;
    return new ThreadLease(lock, thread, token, onLost);
  }

  /** The lock was lost: another worker may be handling this thread now. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Stops the heartbeat without releasing: the lock expires by itself (what a crash looks like). */
  abandon(): void {
    this.#released = true;
    clearInterval(this.#timer);
  }

  /** Stops the heartbeat and frees the lock if it is still ours. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.abandon();
    if (!this.#lost) await this.#lock.release(this.thread, this.token);
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#released || this.#lost) return;
    this.#beating = true;
    try {
      if (await this.#lock.extend(this.thread, this.token)) this.#lastExtended = Date.now();
      else this.#loseLock();
    } catch {
      // Unreachable lock: after a whole timeout without extension, assume it expired.
      if (Date.now() - this.#lastExtended >= this.#lock.timeout) this.#loseLock();
    } finally {
      this.#beating = false;
    }
  }

  #loseLock(): void {
    if (this.#released) return;
    this.#lost = true;
    clearInterval(this.#timer);
    this.#onLost();
  }
}
