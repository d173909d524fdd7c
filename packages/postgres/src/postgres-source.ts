import pg from 'pg';
import type { ClientConfig, Pool } from 'pg';
import type { GetHint, Source, SourceDescription, TraceCarrier } from '@conveyor/core';
import { FaultBackoff, TypedEmitter } from '@conveyor/core/kit';
import type { BodyFormat } from './body-codec.js';
import type { PostgresDeadLetter } from './dead-letters.js';
import { listDeadLetters, redriveDeadLetters } from './dead-letters.js';
import type { PostgresError, PostgresOperation } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import { Faults } from './faults.js';
import type { PostgresMessage } from './postgres-message.js';
import type { EmitPostgresSourceEvent, PostgresSourceEvents } from './postgres-source-events.js';
import type { PostgresSourceOptions, ResolvedPostgresSourceOptions } from './postgres-source-options.js';
import { resolvePostgresSourceOptions } from './postgres-source-options.js';
import type { PostgresQueueDepth } from './queue-depth.js';
import { readDepth } from './queue-depth.js';
import type { QueueTable } from './queue-table.js';
import { Receiver } from './receiver.js';
import type { Rejected } from './settler.js';
import { Settler } from './settler.js';
import { WakeListener } from './wake-listener.js';

/**
 * A Conveyor source over a PostgreSQL queue table (created by `migrate()`).
 *
 * - `get()` claims up to `maxMessages` due rows in one statement (`FOR UPDATE
 *   SKIP LOCKED`); on an empty table it waits for a NOTIFY (a `PostgresSender`
 *   sends one with every commit) or `pollInterval`, up to `waitTime`.
 * - A claimed row stays invisible for `visibilityTimeout` (`locked_until`); the
 *   consumer's lease keeper renews it (`extend()`, one UPDATE for all held rows),
 *   and a killed consumer's rows come back by themselves when it lapses.
 * - `cleanup()` deletes consumed rows (or marks them done), one statement per call.
 * - `release()`: a charged failure is due again after `retryBackoff`, or goes to
 *   `<table>_dead` at `maxReceiveCount` with its last error; an uncharged one is
 *   due at once, its attempt given back; poison goes to the dead letters at once.
 * - Rows with a `key` are handed out one at a time per key, in id order, across
 *   every consumer (`orderingKey()` is the key).
 * - A body that does not decode as `bodyFormat` is dead-lettered on claim
 *   (`PostgresBodyDecodeError`), never handed to a handler.
 *
 * The work is done by the parts behind this front: `Receiver` (the claim, see
 * `claim-query.ts`), `Settler`, `WakeListener`, `FaultBackoff` (kit), `Faults`.
 *
 * ```ts
 * await migrate({ connection: process.env.DATABASE_URL, table: 'jobs' });
 * const source = new PostgresSource<Order>({ connection: process.env.DATABASE_URL, table: 'jobs' });
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 50 });
 * ```
 */
export class PostgresSource<B = unknown> extends TypedEmitter<PostgresSourceEvents> implements Source<PostgresMessage<B>> {
  readonly #options: ResolvedPostgresSourceOptions;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #faults: Faults;
  readonly #receiver: Receiver<B>;
  readonly #settler: Settler;
  readonly #listener: WakeListener;
  readonly #errorBackoff: FaultBackoff<PostgresOperation, PostgresError>;
  readonly #closing = new AbortController();
  /** Hands `emit` (protected) to the parts. */
  readonly #emit: EmitPostgresSourceEvent = (event, ...args) => this.emit(event, ...args);
  #closed = false;

  constructor(options: PostgresSourceOptions) {
    super((error, event) => this.#options.logger.error({ err: error, event }, 'a PostgresSource event listener threw'));
    const resolved = resolvePostgresSourceOptions(options);
    this.#options = resolved;
    const { queue } = resolved;
    this.#faults = new Faults(resolved.logger, this.#emit, queue.display);
    this.#ownsPool = resolved.pool === undefined;
    const config: ClientConfig =
      typeof resolved.connection === 'string' ? { connectionString: resolved.connection } : (resolved.connection ?? {});
    this.#pool = resolved.pool ?? new pg.Pool(config);
    // An idle connection the server closed (a restart) is reported, never thrown at the process.
    if (this.#ownsPool) this.#pool.on('error', (error) => this.#faults.report(toPostgresError(error, 'claim', queue.display)));
    const db = this.#pool;
    this.#receiver = new Receiver<B>({ db, queue, ...pick(resolved) });
    const receiver = this.#receiver;
    this.#settler = new Settler({
      db,
      queue,
      ...pick(resolved),
      consumed: resolved.consumed,
      retryBackoff: resolved.retryBackoff,
      traced: () => receiver.traced,
    });
    this.#listener = new WakeListener({
      config: resolved.listen ? (resolved.pool?.options ?? config) : undefined,
      queue,
      clock: resolved.clock,
      maxErrorBackoff: resolved.maxErrorBackoff,
      report: (error) => this.#faults.report(error),
    });
    this.#errorBackoff = new FaultBackoff({
      capMs: resolved.maxErrorBackoff,
      clock: resolved.clock,
      map: (error, operation: PostgresOperation) => toPostgresError(error, operation, queue.display),
      report: (fault) => this.#faults.report(fault),
    });
  }

  /**
   * The trace context the message's row was sent with (`PostgresSender`'s
   * `traceContext`, stored in the `trace_context` column of migration 2), if any.
   */
  traceContext(message: PostgresMessage<B>): TraceCarrier | undefined {
    return this.#receiver.traceContextOf(message);
  }

  /** The `pg` Pool the source runs its statements on. */
  get pool(): Pool {
    return this.#pool;
  }

  /** The queue's names (schema, table, dead-letter table, NOTIFY channel). */
  get queue(): QueueTable {
    return this.#options.queue;
  }

  /** The validated options. */
  get options(): ResolvedPostgresSourceOptions {
    return this.#options;
  }

  /** Whether LISTEN is in place (waiting get() calls wake on NOTIFY); false before the first get() and while reconnecting. */
  get listening(): boolean {
    return this.#listener.listening;
  }

  /**
   * Claims up to `min(maxMessages, hint.maxMessages)` rows in one statement. On
   * an empty table, waits for a NOTIFY (or `pollInterval`) and claims again, up to
   * `waitTime`. Resolves `[]` when `signal` aborts, after a transient error (once
   * its back-off has passed), and when the source is closed; rejects with
   * `PostgresError` when retrying cannot help (`POSTGRES_NO_TABLE`: run `migrate()`).
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<PostgresMessage<B>[]> {
    if (this.#closed || signal.aborted) return [];
    const abort = AbortSignal.any([signal, this.#closing.signal]);
    const { clock, waitTime, pollInterval, maxMessages } = this.#options;
    // LISTEN first, so no NOTIFY between the first claim and the first wait is missed; a
    // server that does not answer must not hold a get() past its signal.
    await untilAborted(this.#listener.start(), abort);
    if (abort.aborted) return [];
    const wanted = Math.max(1, Math.min(maxMessages, Math.floor(hint?.maxMessages ?? maxMessages)));
    const deadline = clock.now() + waitTime;
    for (;;) {
      const seen = this.#listener.sequence;
      let claim;
      try {
        claim = await this.#receiver.claim(wanted);
      } catch (error) {
        await this.#errorBackoff.failed(error, 'claim', abort);
        return [];
      }
      this.#errorBackoff.succeeded();
      if (claim.rejected.length > 0) this.#deadLetter(claim.rejected);
      if (claim.delivered.length > 0) return claim.delivered;
      // Only rows it will not deliver: there may be more behind them.
      if (claim.rejected.length > 0) continue;
      const left = deadline - clock.now();
      if (left <= 0 || abort.aborted) return [];
      await this.#listener.wait(seen, Math.min(left, pollInterval), abort);
      if (abort.aborted) return [];
    }
  }

  /** Deletes consumed rows (or marks them done), one statement. A row whose lease lapsed and was claimed again is left alone. */
  async cleanup(consumed: PostgresMessage<B>[]): Promise<void> {
    await this.#settler.cleanup(consumed);
  }

  /**
   * Gives failed rows back in one statement: due again after `retryBackoff`, or
   * to the dead letters at `maxReceiveCount` (with the error as `last_error`).
   * `isUncharged(error)`: due at once, not counted. `isPoison(error)`: dead letters at once.
   */
  async release(failed: PostgresMessage<B>[], error: unknown): Promise<void> {
    await this.#settler.release(failed, error);
  }

  /** The visibility timeout: the consumer's lease keeper renews held rows half-way through it. */
  leaseDuration(): number {
    return this.#options.visibilityTimeout;
  }

  /** Renews the leases of held rows for another `visibilityTimeout`, in one UPDATE. */
  async extend(messages: PostgresMessage<B>[]): Promise<void> {
    await this.#settler.extend(messages);
  }

  /** The row's key: its rows run one at a time, in order. */
  orderingKey(message: PostgresMessage<B>): string | undefined {
    return message.key ?? undefined;
  }

  /** Waiting, in flight, delayed, dead letters, done, and the oldest row's age (one pass over the table). */
  /** `{ system: 'postgresql', destination: '<schema>.<table>' }`. */
  describe(): SourceDescription {
    return { system: 'postgresql', destination: this.queue.display };
  }

  inspect(): Promise<PostgresQueueDepth> {
    return readDepth(this.#pool, this.#options.queue);
  }

  /** The oldest `limit` dead letters, with their last error. */
  deadLetters(limit = 100): Promise<PostgresDeadLetter<B>[]> {
    return listDeadLetters(this.#pool, this.#options.queue, this.#options.bodyFormat, limit);
  }

  /** Moves dead letters (all, or those with these ids) back into the queue, attempts reset; returns how many. */
  redrive(ids?: readonly string[]): Promise<number> {
    return redriveDeadLetters(this.#pool, this.#options.queue, ids);
  }

  /**
   * Ends waiting `get()` calls and the LISTEN connection, waits for the source's
   * background dead-lettering, and ends the pool if the source created it. Rows
   * still held come back when their lease lapses.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    await this.#listener.close();
    await this.#faults.settled();
    if (this.#ownsPool) await this.#pool.end();
  }

  #deadLetter(rejected: Rejected[]): void {
    const moved = this.#settler.deadLetter(rejected).then(() => {
      for (const row of rejected) this.#emit('deadLettered', [row.id], row.error);
    });
    this.#faults.inBackground(moved, 'dead-letter');
  }
}

/** Resolves when `work` settles or `signal` aborts, whichever comes first. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void work.then(done, done);
  });
}

function pick(options: ResolvedPostgresSourceOptions): {
  bodyFormat: BodyFormat;
  maxReceiveCount: number;
  visibilityTimeout: number;
} {
  return { bodyFormat: options.bodyFormat, maxReceiveCount: options.maxReceiveCount, visibilityTimeout: options.visibilityTimeout };
}
