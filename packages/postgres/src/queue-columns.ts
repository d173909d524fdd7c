import type { BodyColumnType } from './body-codec.js';
import { bodyColumnType } from './body-codec.js';
import type { PostgresOperation } from './errors/postgres-error.js';
import { PostgresError } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';

/** What the catalog says of a queue's tables. */
export interface QueueColumns {
  /** The type of the queue table's `body` column. */
  readonly body: BodyColumnType;
  /**
   * The queue and dead-letter tables have the `trace_context` column (migration 2):
   * tables made before it work without, and keep no trace context.
   */
  readonly traced: boolean;
}

/** Whether the queue's two tables have the `trace_context` column of migration 2 (false, too, when they do not exist). */
export async function readTraced(db: Queryable, queue: QueueTable, operation: PostgresOperation): Promise<boolean> {
  try {
    const result = await db.query<{ found: string }>({
      text: `SELECT count(*)::text AS found FROM pg_attribute a
WHERE a.attrelid IN (to_regclass($1), to_regclass($2)) AND a.attname = 'trace_context' AND NOT a.attisdropped`,
      values: [queue.qualified, queue.qualifiedDead],
    });
    return result.rows[0]?.found === '2';
  } catch (error) {
    throw toPostgresError(error, operation, queue.display);
  }
}

/** Reads the type of the queue table's `body` column, and whether its tables have `trace_context`, from the catalog. */
export async function readQueueColumns(db: Queryable, queue: QueueTable, operation: PostgresOperation): Promise<QueueColumns> {
  const [body, traced] = await Promise.all([readBodyColumnType(db, queue, operation), readTraced(db, queue, operation)]);
  return { body, traced };
}

/** The type of the queue table's `body` column; rejects when the table does not exist or the type is not one a body is stored in. */
async function readBodyColumnType(db: Queryable, queue: QueueTable, operation: PostgresOperation): Promise<BodyColumnType> {
  let formatted: string | undefined;
  try {
    const result = await db.query<{ type: string }>({
      text: `SELECT format_type(a.atttypid, NULL) AS type FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attname = 'body' AND NOT a.attisdropped`,
      values: [queue.qualified],
    });
    formatted = result.rows[0]?.type;
  } catch (error) {
    throw toPostgresError(error, operation, queue.display);
  }
  if (formatted === undefined) {
    throw new PostgresError(
      'POSTGRES_NO_TABLE',
      `${operation} on ${queue.display}: the queue table does not exist (create it with migrate())`,
      { operation },
    );
  }
  const body = bodyColumnType(formatted);
  if (body === undefined) {
    throw new PostgresError(
      'POSTGRES_QUERY',
      `${operation} on ${queue.display}: its body column is ${formatted}; expected jsonb, json, text or bytea`,
      { operation },
    );
  }
  return body;
}
