import { Wakeup } from '@conveyor/core/kit';
import pg from 'pg';
import type { ClientConfig, Notification } from 'pg';
import { backoffDelay } from '@conveyor/core/kit';
import type { Clock, ClockTimer } from '@conveyor/core/kit';
import type { PostgresError } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import { quoteIdentifier } from './queue-table.js';
import type { QueueTable } from './queue-table.js';

/** What the listener needs of the source. */
export interface WakeListenerParts {
  /** How to open its own connection; `undefined`: no LISTEN (waits end by time only). */
  readonly config: ClientConfig | undefined;
  readonly queue: QueueTable;
  readonly clock: Clock;
  readonly maxErrorBackoff: number;
  readonly report: (error: PostgresError) => void;
}

/**
 * Wakes waiting `get()` calls when the queue's channel is notified (a sender
 * committed rows, an uncharged release made rows due), so an idle consumer
 * costs no statements. One connection of its own, LISTENing; when it is lost it
 * reconnects with a back-off, and meanwhile waits end by their poll interval.
 * Every notification and every (re)connection moves `sequence` on: a get() that
 * saw the table empty at sequence N waits only if it is still N, so a
 * notification that came between its claim and its wait is never missed.
 */
export class WakeListener {
  /** get() calls waiting for a notification. */
  #arrivals: Wakeup | undefined;
  readonly #parts: WakeListenerParts;
  #client: pg.Client | undefined;
  #started: Promise<void> | undefined;
  #reconnect: ClockTimer | undefined;
  #failures = 0;
  #sequence = 0;
  #closed = false;

  constructor(parts: WakeListenerParts) {
    this.#parts = parts;
  }

  /** Moves on with every notification (and reconnection). */
  get sequence(): number {
    return this.#sequence;
  }

  /** Whether LISTEN is in place right now. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  /** Starts listening, once; resolves when LISTEN is in place or failed (waits then end by time). */
  start(): Promise<void> {
    if (this.#parts.config === undefined || this.#closed) return Promise.resolve();
    this.#started ??= this.#connect();
    return this.#started;
  }

  /** Resolves when a notification came after `seen`, after `ms`, when `signal` aborts, or on close. */
  wait(seen: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.#sequence !== seen || signal.aborted || this.#closed) return Promise.resolve();
    this.#arrivals ??= new Wakeup(this.#parts.clock);
    return this.#arrivals.wait(ms, signal);
  }

  /** Ends every wait and the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#reconnect?.clear();
    this.#wake();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#parts.config === undefined) return;
    const client = new pg.Client(this.#parts.config);
    client.on('notification', (notification: Notification) => {
      if (notification.channel === this.#parts.queue.channel) this.#wake();
    });
    client.on('error', (error: Error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.#parts.queue.channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => {});
      await client.end().catch(() => {});
      this.#parts.report(toPostgresError(error, 'listen', this.#parts.queue.display));
      this.#retryLater();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#failures = 0;
    // Rows may have come while nobody listened: every waiting get() looks again.
    this.#wake();
  }

  #lost(client: pg.Client, error: Error | undefined): void {
    if (client !== this.#client || this.#closed) return;
    this.#client = undefined;
    client.on('error', () => {});
    void client.end().catch(() => {});
    if (error !== undefined) this.#parts.report(toPostgresError(error, 'listen', this.#parts.queue.display));
    this.#retryLater();
  }

  #retryLater(): void {
    if (this.#closed) return;
    this.#failures++;
    const delay = backoffDelay(this.#failures, { baseMs: 100, capMs: Math.max(100, this.#parts.maxErrorBackoff), jitter: 'equal' });
    this.#reconnect = this.#parts.clock
      .setTimeout(() => {
        this.#reconnect = undefined;
        void this.#connect();
      }, delay)
      .unref();
  }

  #wake(): void {
    this.#sequence++;
    this.#arrivals?.wake();
  }
}
