import pg from 'pg';
import type { Pool } from 'pg';
import { InvalidOptionError } from '@conveyor/core';
import { traceContextToText } from '@conveyor/core/kit';
import type { BodyColumnType } from './body-codec.js';
import { canStore, encodeBody } from './body-codec.js';
import { PostgresError } from './errors/postgres-error.js';
import { PostgresBodyEncodeError } from './errors/postgres-body-encode-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { PostgresSenderOptions, ResolvedPostgresSenderOptions } from './postgres-sender-options.js';
import { resolvePostgresSenderOptions } from './postgres-sender-options.js';
import type { QueueColumns } from './queue-columns.js';
import { readQueueColumns } from './queue-columns.js';
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';

/** One message to send. */
export interface PostgresOutgoingMessage<B = unknown> {
  readonly body: B;
  /** Its ordering key: rows of one key are handed out one at a time, in the order sent. */
  readonly key?: string | null | undefined;
  /** Milliseconds before it is due. @default 0 */
  readonly delay?: number | undefined;
}

/** Options of one `send()`. */
export interface PostgresSendOptions {
  /**
   * Run on this client (a `pg` Client or PoolClient), inside your transaction:
   * the rows and the NOTIFY commit with it, and a rollback leaves no trace.
   * @default the sender's pool, in a transaction of its own
   */
  readonly client?: Queryable | undefined;
}

interface SendRow {
  ids: string[] | null;
}

/**
 * Puts messages into a queue table: one `INSERT ... SELECT FROM unnest(...)`
 * per `maxBatch` rows, and a NOTIFY on the queue's channel in the same
 * transaction, so waiting consumers wake when (and only if) the rows commit.
 * Give `{ client }` to enqueue inside your own transaction (transactional
 * enqueue: the job exists if and only if your business rows do).
 *
 * ```ts
 * const sender = new PostgresSender<Order>({ pool, table: 'jobs' });
 * await client.query('BEGIN');
 * await client.query('INSERT INTO orders ...');
 * await sender.send([{ body: order, key: order.customerId }], { client });
 * await client.query('COMMIT');
 * ```
 */
export class PostgresSender<B = unknown> {
  readonly #options: ResolvedPostgresSenderOptions;
  readonly #pool: Pool | undefined;
  readonly #ownsPool: boolean;
  #columns: Promise<QueueColumns> | undefined;

  constructor(options: PostgresSenderOptions) {
    this.#options = resolvePostgresSenderOptions(options);
    const { pool, connection } = this.#options;
    this.#ownsPool = pool === undefined && connection !== undefined;
    this.#pool =
      pool ??
      (connection === undefined ? undefined : new pg.Pool(typeof connection === 'string' ? { connectionString: connection } : connection));
    // An idle connection the server closed is dropped by the pool; without a listener it would crash the process.
    if (this.#ownsPool) this.#pool?.on('error', () => {});
  }

  /** The queue's names. */
  get queue(): QueueTable {
    return this.#options.queue;
  }

  /** The sender's pool (undefined when it runs only on the clients given to `send()`). */
  get pool(): Pool | undefined {
    return this.#pool;
  }

  /** Sends bodies, all with the same key and delay (if given); returns their row ids, in order. */
  sendBodies(bodies: readonly B[], options: PostgresSendOptions & { key?: string; delay?: number } = {}): Promise<string[]> {
    return this.send(
      bodies.map((body) => ({ body, key: options.key, delay: options.delay })),
      options,
    );
  }

  /**
   * Inserts the messages (ids in the order given) and NOTIFYs the queue's channel,
   * atomically: in your transaction with `{ client }`, else in one of its own.
   * Rejects with `PostgresBodyEncodeError` (nothing written) for a body the
   * format cannot store, `PostgresError` when the statement fails.
   */
  async send(messages: readonly PostgresOutgoingMessage<B>[], options: PostgresSendOptions = {}): Promise<string[]> {
    if (messages.length === 0) return [];
    const db = options.client ?? this.#pool;
    if (db === undefined)
      throw new InvalidOptionError('client', 'a pg client (this sender has no pool or connection of its own)', undefined);
    let { body: column, traced } = await this.#queueColumns(db);
    const { bodyFormat, maxBatch } = this.#options;
    if (!canStore(bodyFormat, column)) {
      throw new PostgresBodyEncodeError(
        0,
        `bodyFormat '${bodyFormat}' cannot be stored in the ${column} body column of ${this.queue.display}`,
      );
    }
    // Encode everything first: a bad body fails the send before anything is written.
    const bodies = messages.map((message, index) => encodeBody(bodyFormat, column, message.body, index));
    const keys = messages.map((message, index) => checkKey(message.key, index));
    const delays = messages.map((message, index) => checkDelay(message.delay, index));
    const traceContext = this.#options.traceContext === undefined ? null : traceContextToText(this.#options.traceContext());
    if (traceContext !== null && !traced) {
      // Read when the tables had no trace_context column yet: look again (migrate() may have run since).
      this.#columns = undefined;
      ({ body: column, traced } = await this.#queueColumns(db));
    }
    if (traceContext !== null && !traced) {
      throw new PostgresError(
        'POSTGRES_QUERY',
        `send on ${this.queue.display}: the sender has a traceContext but the queue's tables have no trace_context column: run migrate() (migration 2 adds it)`,
        { operation: 'send' },
      );
    }
    const text = insertQuery(this.queue, column, traced);
    const batches: unknown[][] = [];
    for (let start = 0; start < messages.length; start += maxBatch) {
      const end = start + maxBatch;
      const values = [bodies.slice(start, end), keys.slice(start, end), delays.slice(start, end), this.queue.channel];
      batches.push(traced ? [...values, traceContext] : values);
    }
    try {
      if (options.client !== undefined || batches.length === 1) return await runBatches(db, text, batches);
      // Several statements on the pool: one transaction, so a send is all or nothing.
      const client = await (db as Pool).connect();
      try {
        await client.query('BEGIN');
        const ids = await runBatches(client, text, batches);
        await client.query('COMMIT');
        return ids;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    } catch (error) {
      throw toPostgresError(error, 'send', this.queue.display);
    }
  }

  /** Ends the pool if the sender created it. */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool?.end();
  }

  #queueColumns(db: Queryable): Promise<QueueColumns> {
    const lookup = (this.#columns ??= readQueueColumns(db, this.queue, 'send'));
    // A failed lookup (no table yet) is tried again by the next send().
    lookup.catch(() => {
      if (this.#columns === lookup) this.#columns = undefined;
    });
    return lookup;
  }
}

async function runBatches(db: Queryable, text: string, batches: readonly unknown[][]): Promise<string[]> {
  const ids: string[] = [];
  for (const values of batches) {
    const result = await db.query<SendRow>({ text, values });
    ids.push(...(result.rows[0]?.ids ?? []));
  }
  return ids;
}

/**
 * The insert: bodies, keys and delays as three arrays, one row each, ids given
 * in array order, and one NOTIFY in the same statement (so in the same transaction);
 * with `traced` (migration 2), `$5` is the send's trace context, on every row.
 */
function insertQuery(queue: QueueTable, column: BodyColumnType, traced: boolean): string {
  const bodies = column === 'bytea' ? '$1::bytea[]' : '$1::text[]';
  const body = column === 'jsonb' || column === 'json' ? `i.body::${column}` : 'i.body';
  return `WITH inserted AS (
  INSERT INTO ${queue.qualified} (key, body, run_after${traced ? ', trace_context' : ''})
  SELECT i.key, ${body}, CASE WHEN i.delay_ms IS NULL THEN now() ELSE now() + i.delay_ms * interval '1 millisecond' END${traced ? ', $5::text' : ''}
  FROM unnest(${bodies}, $2::text[], $3::float8[]) WITH ORDINALITY AS i(body, key, delay_ms, n)
  ORDER BY i.n
  RETURNING id
)
SELECT array_agg(id ORDER BY id)::text[] AS ids, pg_notify($4, '') AS notified FROM inserted`;
}

function checkKey(key: unknown, index: number): string | null {
  if (key === undefined || key === null) return null;
  if (typeof key !== 'string' || key === '') throw new InvalidOptionError(`messages[${index}].key`, 'a non-empty string', key);
  return key;
}

function checkDelay(delay: unknown, index: number): number | null {
  if (delay === undefined || delay === 0) return null;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw new InvalidOptionError(`messages[${index}].delay`, 'a finite number of milliseconds >= 0', delay);
  }
  return delay;
}
