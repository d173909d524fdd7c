import type { DeliveredMessage } from '@conveyor/core/kit';

/**
 * A row as `PostgresSource` delivers it: the kit's delivered-message shape plus
 * the row's own columns. Times are milliseconds since the epoch (numbers cross
 * to pool threads as they are; Dates would not take the JSON path).
 */
export interface PostgresMessage<B = unknown> extends DeliveredMessage<B, number> {
  /** The row's `id` (a bigint, as a string), stable across deliveries. */
  readonly id: string;
  readonly body: B;
  /** Charged receives, this one included (`attempts`): an uncharged release does not count, a consumer that died holding it does. */
  readonly receiveCount: number;
  /** The row's delivery number at this claim (`deliveries`): settling with an older one does nothing. */
  readonly receipt: number;
  /** The ordering key: rows of one key are handed out one at a time, in id order. `null`: none. */
  readonly key: string | null;
  /** When the row was inserted. */
  readonly createdAt: number;
  /** When the row became due: its insert, its producer's delay, or the end of its last retry backoff or lease. */
  readonly runAfter: number;
  /** The error of its last charged failure, if it failed before. */
  readonly lastError: string | null;
}
