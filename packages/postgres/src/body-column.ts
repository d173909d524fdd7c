import type { BodyColumnType } from './body-codec.js';
import { bodyColumnType } from './body-codec.js';
import { PostgresError } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';

/** Reads the type of the queue table's `body` column from the catalog. */
export async function readBodyColumnType(db: Queryable, queue: QueueTable): Promise<BodyColumnType> {
  let formatted: string | undefined;
  try {
    const result = await db.query<{ type: string }>({
      text: `SELECT format_type(a.atttypid, NULL) AS type FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attname = 'body' AND NOT a.attisdropped`,
      values: [queue.qualified],
    });
    formatted = result.rows[0]?.type;
  } catch (error) {
    throw toPostgresError(error, 'send', queue.display);
  }
  if (formatted === undefined) {
    throw new PostgresError('POSTGRES_NO_TABLE', `send on ${queue.display}: the queue table does not exist (create it with migrate())`, {
      operation: 'send',
    });
  }
  const type = bodyColumnType(formatted);
  if (type === undefined) {
    throw new PostgresError(
      'POSTGRES_QUERY',
      `send on ${queue.display}: its body column is ${formatted}; expected jsonb, json, text or bytea`,
      {
        operation: 'send',
      },
    );
  }
  return type;
}
