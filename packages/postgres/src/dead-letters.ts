import type { BodyFormat } from './body-codec.js';
import { decodeBody, rawJsonTypes } from './body-codec.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import { readTraced } from './queue-columns.js';
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';

/** A row of the dead-letter table. */
export interface PostgresDeadLetter<B = unknown> {
  readonly id: string;
  readonly key: string | null;
  /** The body as the source decodes it; the raw text or bytes when it does not decode (that is often why it is here). */
  readonly body: B | string | Buffer;
  /** Charged receives when it was dead-lettered. */
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly deadAt: number;
}

interface DeadRow {
  id: string;
  key: string | null;
  body: string | Buffer;
  attempts: number;
  last_error: string | null;
  created_at: number;
  dead_at: number;
}

/** The oldest `limit` dead letters, oldest first. */
export async function listDeadLetters<B>(
  db: Queryable,
  queue: QueueTable,
  format: BodyFormat,
  limit: number,
): Promise<PostgresDeadLetter<B>[]> {
  let rows: DeadRow[];
  try {
    const result = await db.query<DeadRow>({
      text: `SELECT id, key, body, attempts, last_error,
  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_at, floor(extract(epoch FROM dead_at) * 1000)::float8 AS dead_at
FROM ${queue.qualifiedDead} ORDER BY dead_at, id LIMIT $1`,
      values: [limit],
      types: rawJsonTypes,
    });
    rows = result.rows;
  } catch (error) {
    throw toPostgresError(error, 'inspect', queue.display);
  }
  return rows.map((row) => {
    let body: B | string | Buffer = row.body;
    try {
      body = decodeBody(format, row.body, row.id) as B;
    } catch {
      // Kept raw: the dead letter is shown as it is stored.
    }
    return {
      id: row.id,
      key: row.key,
      body,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at,
      deadAt: row.dead_at,
    };
  });
}

/**
 * Moves dead letters back into the queue (all of them, or those with these ids),
 * with their ids (a keyed row takes its place again at the head of its key) and
 * their attempts reset; their delivery numbers go on, so an old receipt never
 * settles them. Returns how many moved. One statement.
 */
export async function redriveDeadLetters(db: Queryable, queue: QueueTable, ids: readonly string[] | undefined): Promise<number> {
  // Tables of migration 2 keep each row's trace context on its way back.
  const trace = (await readTraced(db, queue, 'dead-letter')) ? ', trace_context' : '';
  try {
    const result = await db.query({
      text: `WITH moved AS (
  DELETE FROM ${queue.qualifiedDead} WHERE $1::bigint[] IS NULL OR id = ANY($1::bigint[])
  RETURNING id, key, body, created_at, deliveries${trace}
)
INSERT INTO ${queue.qualified} (id, key, body, created_at, deliveries${trace})
SELECT id, key, body, created_at, deliveries${trace} FROM moved`,
      values: [ids === undefined ? null : [...ids]],
    });
    return result.rowCount ?? 0;
  } catch (error) {
    throw toPostgresError(error, 'dead-letter', queue.display);
  }
}
