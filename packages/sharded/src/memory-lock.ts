import type { Clock } from '@conveyor/core/kit';
import type { Lock } from './lock.js';
import type { MemoryLockOptions } from './memory-lock-options.js';
import { resolveMemoryLockOptions } from './memory-lock-options.js';

interface Held {
  readonly token: string;
  expiresAt: number;
}

/** Locks for the workers of one process (share one instance between them), with owners and expiry. */
export class MemoryLock implements Lock {
  readonly timeout: number;
  readonly #clock: Clock;
  readonly #held = new Map<string, Held>();

  constructor(options?: MemoryLockOptions) {
    const resolved = resolveMemoryLockOptions(options);
    this.timeout = resolved.timeout;
    this.#clock = resolved.clock;
  }

  async acquire(key: string, token: string, ttl = this.timeout): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#held.set(key, { token, expiresAt: this.#clock.now() + ttl });
    return true;
  }

  async extend(key: string, token: string, ttl = this.timeout): Promise<boolean> {
    const held = this.#live(key);
    if (held === undefined || held.token !== token) return false;
    held.expiresAt = this.#clock.now() + ttl;
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    const held = this.#live(key);
    if (held === undefined || held.token !== token) return false;
    this.#held.delete(key);
    return true;
  }

  async exists(key: string): Promise<boolean> {
    return this.#live(key) !== undefined;
  }

  #live(key: string): Held | undefined {
    const held = this.#held.get(key);
    if (held !== undefined && held.expiresAt <= this.#clock.now()) {
      this.#held.delete(key);
      return undefined;
    }
    return held;
  }
}
