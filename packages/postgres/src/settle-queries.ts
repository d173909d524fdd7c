import type { QueueTable } from './queue-table.js';

// Every settling statement names its rows by (id, delivery number): a receipt
// of an older delivery (its lease lapsed and the row was claimed again) matches
// nothing, so a late settle never touches another consumer's claim.
const receipts = `unnest($1::bigint[], $2::integer[]) AS s(id, delivery)`;
const ms = (parameter: string): string => `${parameter} * interval '1 millisecond'`;

// A settle that ends a key's head lets the key's next row be claimed: it NOTIFYs
// (`$3` the channel, `$4` whether), so consumers waiting on an idle table take it now.
const notifyWhen = (channel: string, when: string): string => `(SELECT pg_notify(${channel}, '') WHERE ${when}) AS notified`;

/**
 * Deletes consumed rows: `$1` ids, `$2` delivery numbers, `$3` the NOTIFY channel,
 * `$4` whether to NOTIFY (some rows had a key). One statement per cleanup; returns `settled`.
 */
export function deleteQuery(queue: QueueTable): string {
  return `WITH settled AS (
  DELETE FROM ${queue.qualified} t USING ${receipts} WHERE t.id = s.id AND t.deliveries = s.delivery RETURNING t.id
)
SELECT (SELECT count(*) FROM settled)::integer AS settled, ${notifyWhen('$3', '$4')}`;
}

/** Marks consumed rows done (kept, never due again); parameters and result as `deleteQuery`. */
export function markDoneQuery(queue: QueueTable): string {
  return `WITH settled AS (
  UPDATE ${queue.qualified} t SET done_at = now(), locked_until = NULL, run_after = 'infinity'
  FROM ${receipts} WHERE t.id = s.id AND t.deliveries = s.delivery AND t.done_at IS NULL RETURNING t.id
)
SELECT (SELECT count(*) FROM settled)::integer AS settled, ${notifyWhen('$3', '$4')}`;
}

/** Renews the lease of held rows: `$1` ids, `$2` delivery numbers, `$3` the visibility timeout in ms. */
export function extendQuery(queue: QueueTable): string {
  return `UPDATE ${queue.qualified} t SET locked_until = now() + ${ms('$3')}, run_after = now() + ${ms('$3')}
FROM ${receipts} WHERE t.id = s.id AND t.deliveries = s.delivery AND t.locked_until IS NOT NULL AND t.done_at IS NULL`;
}

/**
 * Gives failed rows back, or moves them to the dead letters, in one statement:
 * `$1` ids, `$2` delivery numbers, `$3` per row the ms until it is due again
 * (NULL: dead-letter it), `$4` per row 1 when the delivery is not charged (its
 * attempt is given back, its last error kept), `$5` per row the error text,
 * `$6` the NOTIFY channel, `$7` whether to NOTIFY (rows due at once, or keys
 * whose head went to the dead letters: waiting get() calls take them now).
 * Returns how many rows went each way. With `traced` (migration 2), a dead
 * letter keeps the trace context its row was sent with.
 */
export function releaseQuery(queue: QueueTable, traced: boolean): string {
  const t = queue.qualified;
  const trace = traced ? ', trace_context' : '';
  return `WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::integer[], $3::float8[], $4::integer[], $5::text[]) AS i(id, delivery, delay_ms, refund, error)
), dead AS (
  DELETE FROM ${t} t USING input i
  WHERE t.id = i.id AND t.deliveries = i.delivery AND i.delay_ms IS NULL AND t.done_at IS NULL
  RETURNING t.id, t.key, t.body, t.created_at, t.attempts, t.deliveries, i.error${traced ? ', t.trace_context' : ''}
), moved AS (
  INSERT INTO ${queue.qualifiedDead} (id, key, body, created_at, attempts, deliveries, last_error${trace})
  SELECT id, key, body, created_at, attempts, deliveries, error${trace} FROM dead
  ON CONFLICT (id) DO UPDATE SET key = excluded.key, body = excluded.body, created_at = excluded.created_at,
    attempts = excluded.attempts, deliveries = excluded.deliveries, last_error = excluded.last_error, dead_at = now()${
      traced ? ', trace_context = excluded.trace_context' : ''
    }
  RETURNING id
), retried AS (
  UPDATE ${t} t
  SET run_after = now() + ${ms('i.delay_ms')}, locked_until = NULL, attempts = t.attempts - i.refund,
      last_error = CASE WHEN i.refund = 1 THEN t.last_error ELSE i.error END
  FROM input i
  WHERE t.id = i.id AND t.deliveries = i.delivery AND i.delay_ms IS NOT NULL AND t.done_at IS NULL
  RETURNING t.id
)
SELECT (SELECT count(*) FROM moved)::integer AS dead, (SELECT count(*) FROM retried)::integer AS retried,
  ${notifyWhen('$6', '$7')}`;
}
