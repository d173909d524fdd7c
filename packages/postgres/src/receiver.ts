import type { BodyFormat } from './body-codec.js';
import { decodeBody, rawJsonTypes } from './body-codec.js';
import type { ClaimedRow } from './claim-query.js';
import { claimQuery } from './claim-query.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { PostgresMessage } from './postgres-message.js';
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
  readonly #text: string;
  /** The key after which the next claim starts walking keys ('' = the first key). */
  #keyCursor = '';

  constructor(parts: ReceiverParts) {
    this.#parts = parts;
    this.#text = claimQuery(parts.queue);
  }

  async claim(max: number): Promise<Claim<B>> {
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
      delivered.push({
        id: row.id,
        body: body as B,
        receiveCount: row.attempts,
        receipt: row.deliveries,
        key: row.key,
        createdAt: row.created_at,
        runAfter: row.run_after,
        lastError: row.last_error,
      });
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
