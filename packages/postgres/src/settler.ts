import { backoffDelay, isPoison, isUncharged } from '@conveyor/core/kit';
import type { BackoffPolicy } from '@conveyor/core/kit';
import type { PostgresOperation } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { Queryable } from './queryable.js';
import type { QueueTable } from './queue-table.js';
import { compareRowIds } from './row-id.js';
import { deleteQuery, extendQuery, markDoneQuery, releaseQuery } from './settle-queries.js';

/** A delivery to settle: the row, the delivery number it was claimed with, its key. */
export interface Delivery {
  readonly id: string;
  readonly receipt: number;
  readonly receiveCount: number;
  readonly key: string | null;
}

/** A delivery the source moves to the dead letters itself, with why. */
export interface Rejected {
  readonly id: string;
  readonly receipt: number;
  readonly key: string | null;
  readonly error: string;
}

/** What the settler needs of the source. */
export interface SettlerParts {
  readonly db: Queryable;
  readonly queue: QueueTable;
  readonly consumed: 'delete' | 'mark';
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
  readonly visibilityTimeout: number;
  /** The queue's tables keep trace contexts (migration 2; known once the first claim ran): dead letters keep theirs. */
  readonly traced: () => boolean;
}

// A last_error is for people reading the dead letters, not a log: keep rows small.
const maxErrorText = 2_000;

/**
 * Settles deliveries, each kind in one statement whatever the batch size:
 * cleanup (delete, or mark done), release (back after a backoff, back at once
 * uncounted, or to the dead letters), extend (renew leases).
 */
export class Settler {
  readonly #parts: SettlerParts;
  readonly #statements: {
    readonly cleanup: string;
    readonly release: string;
    readonly releaseTraced: string;
    readonly extend: string;
  };

  constructor(parts: SettlerParts) {
    this.#parts = parts;
    this.#statements = {
      cleanup: parts.consumed === 'delete' ? deleteQuery(parts.queue) : markDoneQuery(parts.queue),
      release: releaseQuery(parts.queue, false),
      releaseTraced: releaseQuery(parts.queue, true),
      extend: extendQuery(parts.queue),
    };
  }

  /** Deletes (or marks done) consumed rows; returns how many of them this delivery still held. */
  async cleanup(given: readonly Delivery[]): Promise<number> {
    if (given.length === 0) return 0;
    const deliveries = inIdOrder(given);
    const keyed = deliveries.some((delivery) => delivery.key !== null);
    const result = await this.#run('cleanup', this.#statements.cleanup, [
      ids(deliveries),
      receipts(deliveries),
      this.#parts.queue.channel,
      keyed,
    ]);
    return (result.rows[0] as { settled?: number } | undefined)?.settled ?? 0;
  }

  /**
   * Gives failed rows back. Uncharged (the handler never had them): due at once,
   * their attempt given back. Poison: dead letters at once. Charged: due after
   * `retryBackoff` (by their receive count), or dead letters at `maxReceiveCount`.
   */
  async release(given: readonly Delivery[], error: unknown): Promise<void> {
    if (given.length === 0) return;
    const deliveries = inIdOrder(given);
    const uncharged = isUncharged(error);
    const poison = isPoison(error);
    const text = errorText(error);
    const { maxReceiveCount, retryBackoff } = this.#parts;
    const delays = deliveries.map((delivery) => {
      if (uncharged) return 0;
      if (poison || delivery.receiveCount >= maxReceiveCount) return null;
      return retryBackoff === false ? 0 : backoffDelay(delivery.receiveCount, retryBackoff);
    });
    await this.#releaseRows(
      deliveries,
      delays,
      uncharged ? 1 : 0,
      deliveries.map(() => text),
    );
  }

  /** Moves rows the source will not deliver to the dead letters, each with its own reason. */
  async deadLetter(given: readonly Rejected[]): Promise<void> {
    if (given.length === 0) return;
    const rejected = inIdOrder(given);
    await this.#releaseRows(
      rejected.map((row) => ({ id: row.id, receipt: row.receipt, receiveCount: 0, key: row.key })),
      rejected.map(() => null),
      0,
      rejected.map((row) => row.error.slice(0, maxErrorText)),
      'dead-letter',
    );
  }

  /** Renews the leases of held rows for another visibility timeout, in one statement. */
  async extend(given: readonly Delivery[]): Promise<void> {
    if (given.length === 0) return;
    const deliveries = inIdOrder(given);
    await this.#run('extend', this.#statements.extend, [ids(deliveries), receipts(deliveries), this.#parts.visibilityTimeout]);
  }

  async #releaseRows(
    deliveries: readonly Delivery[],
    delays: readonly (number | null)[],
    refund: 0 | 1,
    errors: readonly string[],
    operation: PostgresOperation = 'release',
  ): Promise<void> {
    const notify = delays.some((delay, index) => delay === 0 || (delay === null && deliveries[index]?.key !== null));
    await this.#run(operation, this.#parts.traced() ? this.#statements.releaseTraced : this.#statements.release, [
      ids(deliveries),
      receipts(deliveries),
      delays,
      deliveries.map(() => refund),
      errors,
      this.#parts.queue.channel,
      notify,
    ]);
  }

  async #run(operation: PostgresOperation, text: string, values: unknown[]): Promise<{ rows: unknown[] }> {
    try {
      return await this.#parts.db.query({ text, values });
    } catch (error) {
      throw toPostgresError(error, operation, this.#parts.queue.display);
    }
  }
}

const ids = (deliveries: readonly Delivery[]): string[] => deliveries.map((delivery) => delivery.id);
const receipts = (deliveries: readonly Delivery[]): number[] => deliveries.map((delivery) => delivery.receipt);

/**
 * The deliveries in id order: every settling statement then locks its rows in the
 * same order, so a cleanup and a lease renewal touching the same rows at once
 * wait for each other instead of deadlocking.
 */
function inIdOrder<D extends { readonly id: string }>(deliveries: readonly D[]): D[] {
  return [...deliveries].sort((a, b) => compareRowIds(a.id, b.id));
}

/** `Name: message`, cut to a readable length. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, maxErrorText);
}
