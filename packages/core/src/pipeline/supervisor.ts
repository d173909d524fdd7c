import type { BackoffPolicy } from '../kit/backoff.js';
import { backoffDelay } from '../kit/backoff.js';

/** The state of one poller slot, as the supervisor sees it. */
interface PollerSlot {
  running: boolean;
  restarts: number;
  /** Deaths since the last successful get(): drives the revival backoff. */
  consecutiveDeaths: number;
  /** When a dead poller may be revived (its death time plus a jittered backoff). */
  reviveAt: number;
  /** Why it last died, until a get() succeeds again. */
  lastError: unknown;
}

export interface SupervisorHooks {
  /** Starts poller `index`; the promise settles when it stops (rejects when it died). */
  readonly startPoller: (index: number) => Promise<void>;
  readonly onDied: (index: number, error: unknown) => void;
  readonly onRevived: (index: number, restarts: number) => void;
}

const reviveBackoff: BackoffPolicy = { baseMs: 100, capMs: 30_000 };

/**
 * Keeps `count` pollers alive: a poller that died is revived on a later tick,
 * after an exponential delay, so a broken source is retried without a busy loop.
 */
export class Supervisor {
  readonly #slots: PollerSlot[];
  readonly #hooks: SupervisorHooks;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #polled = false;
  readonly #running = new Set<Promise<void>>();

  constructor(count: number, hooks: SupervisorHooks) {
    this.#hooks = hooks;
    this.#slots = Array.from({ length: count }, () => ({
      running: false,
      restarts: 0,
      consecutiveDeaths: 0,
      reviveAt: 0,
      lastError: undefined,
    }));
  }

  /** Pollers currently running. */
  get alive(): number {
    return this.#slots.filter((slot) => slot.running).length;
  }

  /** Total revivals since start. */
  get restarts(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.restarts, 0);
  }

  /**
   * Why a poller's last `get()` failed, when one has not succeeded since (the
   * source is failing); `undefined` while every poller's last `get()` worked.
   */
  get failure(): unknown {
    return this.#slots.find((slot) => slot.consecutiveDeaths > 0)?.lastError;
  }

  /** Whether any poller's `get()` has succeeded yet. */
  get polled(): boolean {
    return this.#polled;
  }

  startAll(): void {
    for (let index = 0; index < this.#slots.length; index++) this.#launch(index);
  }

  /** Checks every `interval` ms; calling again changes the interval. */
  watch(interval: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = setInterval(() => this.tick(), interval);
    this.#timer.unref();
  }

  /** Marks the poller healthy: its next death is revived quickly again. */
  healthy(index: number): void {
    const slot = this.#slots[index];
    this.#polled = true;
    if (slot !== undefined) {
      slot.consecutiveDeaths = 0;
      slot.lastError = undefined;
    }
  }

  tick(now = Date.now()): void {
    if (this.#stopped) return;
    this.#slots.forEach((slot, index) => {
      if (slot.running || now < slot.reviveAt) return;
      slot.restarts++;
      this.#launch(index);
      this.#hooks.onRevived(index, slot.restarts);
    });
  }

  /** Stops reviving and waits for running pollers to return. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await Promise.allSettled([...this.#running]);
  }

  #launch(index: number): void {
    const slot = this.#slots[index] as PollerSlot;
    slot.running = true;
    const run = this.#hooks.startPoller(index).then(
      () => {
        slot.running = false;
      },
      (error: unknown) => {
        slot.running = false;
        slot.consecutiveDeaths++;
        slot.lastError = error;
        slot.reviveAt = Date.now() + backoffDelay(slot.consecutiveDeaths, reviveBackoff);
        this.#hooks.onDied(index, error);
      },
    );
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }
}
