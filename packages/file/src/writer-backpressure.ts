import type { Logger } from '@conveyor/core';
import type { Clock, ClockTimer } from '@conveyor/core/kit';
import { countAvailBatches } from './queue-folder.js';

/** What backpressure needs from its writer. */
export interface BackpressureSettings {
  readonly directory: string;
  readonly maxAvailFiles: number;
  readonly pollInterval: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The folder has room again: the writer makes its held-back batch available and drains its waiting items. */
  readonly onRoom: () => void;
  /** True while items wait for room in the writer (they keep the process alive, like `ready()` callers). */
  readonly itemsWaiting: () => boolean;
}

/**
 * A writer's backpressure: the queue folder has room while fewer than
 * `maxAvailFiles` `avail_` batches wait in it (other writers add, readers take).
 * Without room the writer is not `active`, and the folder is counted again every
 * `pollInterval` until it has room.
 */
export class Backpressure {
  readonly #settings: BackpressureSettings;
  #active = true;
  #pollTimer: ClockTimer | undefined;
  /** Whether the pending poll keeps the process alive (someone waits for room). */
  #pollKeepsAlive = false;
  #readyWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(settings: BackpressureSettings) {
    this.#settings = settings;
  }

  /** False while the folder has no room. */
  get active(): boolean {
    return this.#active;
  }

  /** Counts the available batches and updates `active`. */
  check(): void {
    if (this.#settings.maxAvailFiles === Number.POSITIVE_INFINITY) return;
    const full = countAvailBatches(this.#settings.directory) >= this.#settings.maxAvailFiles;
    if (full && this.#active) {
      this.#active = false;
      this.pollWhileFull();
    } else if (!full && !this.#active) {
      this.#becomeActive();
    }
  }

  /** Resolves when the writer is `active` (at once if it is, or once stopped), or rejects when `signal` aborts. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.#active || this.#stopped) return Promise.resolve();
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#readyWaiters = this.#readyWaiters.filter((waiter) => waiter !== done);
        reject(signal?.reason as Error);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#readyWaiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pollWhileFull();
    });
  }

  /** While there is no room, counts the folder every `pollInterval`; call it when someone starts waiting. */
  pollWhileFull(): void {
    if (this.#active || this.#stopped) return;
    // Keep the process alive only while someone waits for room.
    const keepAlive = this.#readyWaiters.length > 0 || this.#settings.itemsWaiting();
    if (this.#pollTimer !== undefined && keepAlive && !this.#pollKeepsAlive) this.#stopPolling();
    if (this.#pollTimer !== undefined) return;
    this.#pollTimer = this.#settings.clock.setTimeout(() => {
      this.#pollTimer = undefined;
      try {
        this.check();
      } catch (error) {
        this.#settings.logger.error({ err: error, directory: this.#settings.directory }, 'file queue: counting available batches failed');
      }
      this.pollWhileFull();
    }, this.#settings.pollInterval);
    if (!keepAlive) this.#pollTimer.unref();
    this.#pollKeepsAlive = keepAlive;
  }

  /** Stops polling and resolves every `ready()` waiter (the writer closed). */
  stop(): void {
    this.#stopped = true;
    this.#stopPolling();
    this.#resolveReady();
  }

  #becomeActive(): void {
    this.#active = true;
    this.#stopPolling();
    this.#settings.onRoom();
    // onRoom may have filled the folder again.
    if (this.#active) this.#resolveReady();
  }

  #stopPolling(): void {
    this.#pollTimer?.clear();
    this.#pollTimer = undefined;
  }

  #resolveReady(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
