import type { QueueTable } from './queue-table.js';

/**
 * The one statement of a `get()`: claims up to `$1` due rows for `$2` ms and
 * returns them. Parameters: `$1` the most rows, `$2` the visibility timeout in
 * ms, `$3` the key to start the key walk after (`''`: from the first key).
 *
 * A row is due when `run_after <= now()`. A claim moves `run_after` and
 * `locked_until` to `now() + $2`, so a claimed row stops being due by itself and
 * comes back when its lease lapses (a killed consumer) — no sweeper needed.
 * Every claim counts a delivery (`deliveries`, the receipt) and an attempt.
 *
 * Two sources of candidates, each locked with `FOR UPDATE SKIP LOCKED` (two
 * claimers never wait on each other nor take the same row):
 *
 * - **Rows without a key**, in due order: a range scan of the partial index
 *   `(run_after, id) WHERE key IS NULL`. Claimed and retrying rows have a future
 *   `run_after`, so they are outside the range: the scan reads only due rows
 *   (plus index entries of rows deleted since the last vacuum).
 * - **Rows with a key**: only the *head* of a key (its lowest id still in the
 *   table) may be handed out, and only while no row of the key is claimed. A
 *   loose index scan walks `(key, id)`: one probe finds the head of the next key,
 *   so a key with 100,000 waiting rows costs one probe, not 100,000. The head is
 *   taken when it is due (not claimed, not waiting for its retry backoff) and no
 *   row of its key is claimed (one probe of the partial index on claimed rows,
 *   which also covers a later row committed before an earlier one). The walk
 *   stops once `$1` heads are found, and the next claim starts after the last
 *   key taken (round robin, so no key starves behind keys earlier in the alphabet).
 *
 * Cost per claim: O(log n) per row returned, plus one probe per key passed over
 * because its head is claimed or retrying (at most the rows in flight and the
 * keys retrying), plus the dead index entries at the head of the due range.
 * It does not grow with the depth of the backlog, keyed or not.
 *
 * Per-key order holds across every consumer: a key's next row is never handed out
 * while an earlier row of the key is claimed, retrying, or simply not yet
 * consumed; it follows the id order of committed rows (rows of one key inserted
 * by concurrent transactions run in the order they become visible).
 *
 * Why it is built this way, and what it costs: docs/adr/0009-postgres-claim.md.
 * With `traced` (migration 2), each row's trace context comes back too.
 */
export function claimQuery(queue: QueueTable, traced: boolean): string {
  const t = queue.qualified;
  return `WITH RECURSIVE key_heads AS (
  (SELECT h.key, h.id FROM ${t} h WHERE h.key > $3 AND h.done_at IS NULL ORDER BY h.key, h.id LIMIT 1)
  UNION ALL
  SELECT next.key, next.id FROM key_heads k CROSS JOIN LATERAL (
    SELECT h.key, h.id FROM ${t} h WHERE h.key > k.key AND h.done_at IS NULL ORDER BY h.key, h.id LIMIT 1
  ) next
), keyed AS (
  SELECT j.id, j.run_after FROM key_heads k JOIN ${t} j ON j.id = k.id
  WHERE j.run_after <= now()
    -- OFFSET 0 keeps this a probe per head (one index lookup), not an anti-join over every claimed row.
    AND NOT EXISTS (SELECT 1 FROM ${t} e WHERE e.key = k.key AND e.locked_until > now() OFFSET 0)
  LIMIT $1
  FOR UPDATE OF j SKIP LOCKED
), unkeyed AS (
  SELECT j.id, j.run_after FROM ${t} j
  WHERE j.key IS NULL AND j.done_at IS NULL AND j.run_after <= now()
  ORDER BY j.run_after, j.id
  LIMIT $1
  FOR UPDATE SKIP LOCKED
), picked AS (
  SELECT c.id, c.run_after FROM (SELECT * FROM keyed UNION ALL SELECT * FROM unkeyed) c ORDER BY c.run_after, c.id LIMIT $1
)
UPDATE ${t} t
SET attempts = t.attempts + 1,
    deliveries = t.deliveries + 1,
    locked_until = now() + $2 * interval '1 millisecond',
    run_after = now() + $2 * interval '1 millisecond'
FROM picked
WHERE t.id = picked.id
RETURNING t.id, t.key, t.body, t.attempts, t.deliveries, t.last_error,${traced ? ' t.trace_context,' : ''}
  floor(extract(epoch FROM t.created_at) * 1000)::float8 AS created_at,
  floor(extract(epoch FROM picked.run_after) * 1000)::float8 AS run_after`;
}

/** A row as the claim returns it (bigint id as text; body unparsed: text, or bytes of a bytea column). */
export interface ClaimedRow {
  readonly id: string;
  readonly key: string | null;
  readonly body: string | Buffer;
  readonly attempts: number;
  readonly deliveries: number;
  readonly last_error: string | null;
  /** The trace context the row was sent with (JSON of its W3C headers), when the claim was `traced`. */
  readonly trace_context?: string | null;
  readonly created_at: number;
  readonly run_after: number;
}
