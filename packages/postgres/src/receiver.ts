import type { TraceCarrier } from '@conveyor/core';
import { traceContextFromText } from '@conveyor/core/kit';
import type { BodyFormat } from './body-codec.js';
import { decodeBody, rawJsonTypes } from './body-codec.js';
import type { ClaimedRow } from './claim-query.js';
import { claimQuery } from './claim-query.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { PostgresMessage } from './postgres-message.js';
import { readTraced } from './queue-columns.js';

/** While the tables have no `trace_context` column, how often a claim looks again (a `migrate()` while running). */
const tracedRecheckMs = 30_000;
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';
import { compareRowIds } from './row-id.js';
import type { Rejected } from './settler.js';

/** What the receiver needs of the source. */
export interface ReceiverParts {
  readonly db: Queryable;
  readonly queue: QueueTable;
  readonly bodyFormat: BodyFormat;
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: number;
}

/** One claim: the messages to deliver and the rows to dead-letter instead. */
export interface Claim<B> {
  readonly delivered: PostgresMessage<B>[];
  readonly rejected: Rejected[];
}

/**
 * Runs the claim statement (see `claim-query.ts`) and turns rows into messages.
 * A row whose body does not decode, or that was received more often than
 * `maxReceiveCount` (its consumers died holding it), is not delivered: it comes
 * back as `rejected`, for the dead letters. Keeps the key walk's place between claims.
 */
export class Receiver<B> {
  readonly #parts: ReceiverParts;
  /** The claim statement, once the catalog said whether the tables keep trace contexts (migration 2). */
  #text: string | undefined;
  #traced = false;
  /** When the catalog was last read (`Date.now()`). */
  #checkedAt = 0;
  /** The trace context each delivered message was sent with (not on the message: it crosses to pool threads as it is). */
  readonly #traceContexts = new WeakMap<PostgresMessage<B>, TraceCarrier>();
  /** The key after which the next claim starts walking keys ('' = the first key). */
  #keyCursor = '';

  constructor(parts: ReceiverParts) {
    this.#parts = parts;
  }

  /** The queue's tables keep trace contexts (migration 2); false until the first claim looked. */
  get traced(): boolean {
    return this.#traced;
  }

  /** The trace context `message` was sent with, if any. */
  traceContextOf(message: PostgresMessage<B>): TraceCarrier | undefined {
    return this.#traceContexts.get(message);
  }

  async claim(max: number): Promise<Claim<B>> {
    if (this.#text === undefined || (!this.#traced && Date.now() - this.#checkedAt >= tracedRecheckMs)) {
      // Tables made before migration 2 have no trace_context column, and work without it; until the
      // column is found, it is looked for again now and then (migrate() may run while this source does).
      this.#checkedAt = Date.now();
      this.#traced = await readTraced(this.#parts.db, this.#parts.queue, 'claim');
      this.#text = claimQuery(this.#parts.queue, this.#traced);
    }
    let rows: ClaimedRow[];
    try {
      const result = await this.#parts.db.query<ClaimedRow>({
        text: this.#text,
        values: [max, this.#parts.visibilityTimeout, this.#keyCursor],
        types: rawJsonTypes,
      });
      rows = result.rows;
    } catch (error) {
      throw toPostgresError(error, 'claim', this.#parts.queue.display);
    }
    this.#advanceCursor(rows, max);
    // Rows come back in no particular order: deliver them due-first, as claimed.
    rows.sort((a, b) => a.run_after - b.run_after || compareRowIds(a.id, b.id));
    const delivered: PostgresMessage<B>[] = [];
    const rejected: Rejected[] = [];
    for (const row of rows) {
      if (row.attempts > this.#parts.maxReceiveCount) {
        const error = `ReceiveLimitError: received ${row.attempts - 1} times without being settled (its consumers stopped or died holding it); maxReceiveCount is ${this.#parts.maxReceiveCount}`;
        rejected.push({ id: row.id, receipt: row.deliveries, key: row.key, error });
        continue;
      }
      let body: unknown;
      try {
        body = decodeBody(this.#parts.bodyFormat, row.body, row.id);
      } catch (error) {
        rejected.push({
          id: row.id,
          receipt: row.deliveries,
          key: row.key,
          error: `${(error as Error).name}: ${(error as Error).message}`,
        });
        continue;
      }
      const message: PostgresMessage<B> = {
        id: row.id,
        body: body as B,
        receiveCount: row.attempts,
        receipt: row.deliveries,
        key: row.key,
        createdAt: row.created_at,
        runAfter: row.run_after,
        lastError: row.last_error,
      };
      const traceContext = traceContextFromText(row.trace_context);
      if (traceContext !== undefined) this.#traceContexts.set(message, traceContext);
      delivered.push(message);
    }
    return { delivered, rejected };
  }

  // A full claim: more keys may wait after the last one taken, start there next time
  // (round robin). Otherwise the walk reached the last key: start from the first.
  // The key column is COLLATE "C" (byte order), which is the order JavaScript compares in.
  #advanceCursor(rows: readonly ClaimedRow[], max: number): void {
    let last = '';
    for (const row of rows) if (row.key !== null && row.key > last) last = row.key;
    this.#keyCursor = rows.length >= max ? last : '';
  }
}
