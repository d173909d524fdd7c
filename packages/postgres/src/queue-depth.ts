import type { SourceDepth } from '@conveyor/core';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';

/** One look at a queue table: `inspect()`'s answer, and what `conveyor stats` shows. */
export interface PostgresQueueDepth extends SourceDepth {
  /** Rows not claimed (due, delayed or retrying), and rows whose lease lapsed. */
  readonly waiting: number;
  /** Rows claimed whose lease has not lapsed. */
  readonly inFlight: number;
  /** Rows in `<table>_dead`. */
  readonly deadLetters: number;
  /** Of the waiting rows, those not due yet (a producer's delay, a retry backoff). */
  readonly delayed: number;
  /** Consumed rows kept with `consumed: 'mark'`. */
  readonly done: number;
  /** Milliseconds since the oldest row not consumed was inserted; undefined when there is none. */
  readonly oldestAgeMs: number | undefined;
}

interface DepthRow {
  waiting: number;
  in_flight: number;
  delayed: number;
  done: number;
  oldest_age_ms: number | null;
  dead_letters: number;
}

/** The depth statement: one pass over the table (a count: its cost grows with the rows in it). */
export function depthQuery(queue: QueueTable): string {
  return `SELECT
  count(*) FILTER (WHERE done_at IS NULL AND (locked_until IS NULL OR locked_until <= now()))::integer AS waiting,
  count(*) FILTER (WHERE done_at IS NULL AND locked_until > now())::integer AS in_flight,
  count(*) FILTER (WHERE done_at IS NULL AND locked_until IS NULL AND run_after > now())::integer AS delayed,
  count(*) FILTER (WHERE done_at IS NOT NULL)::integer AS done,
  (extract(epoch FROM now() - min(created_at) FILTER (WHERE done_at IS NULL)) * 1000)::float8 AS oldest_age_ms,
  (SELECT count(*) FROM ${queue.qualifiedDead})::integer AS dead_letters
FROM ${queue.qualified}`;
}

/** Reads the depth of a queue. */
export async function readDepth(db: Queryable, queue: QueueTable): Promise<PostgresQueueDepth> {
  let row: DepthRow | undefined;
  try {
    row = (await db.query<DepthRow>({ text: depthQuery(queue) })).rows[0];
  } catch (error) {
    throw toPostgresError(error, 'inspect', queue.display);
  }
  return {
    waiting: row?.waiting ?? 0,
    inFlight: row?.in_flight ?? 0,
    deadLetters: row?.dead_letters ?? 0,
    delayed: row?.delayed ?? 0,
    done: row?.done ?? 0,
    oldestAgeMs: row?.oldest_age_ms ?? undefined,
  };
}
