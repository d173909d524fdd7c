import type { Source } from '@conveyor/core';

/** What a source under test gives the conformance suite. */
export interface ConformanceFixture<M> {
  /** A fresh source on a fresh queue (unique queue name, key prefix or folder). */
  readonly source: Source<M>;
  /** Puts messages with these bodies into the queue, in this order. */
  readonly send: (bodies: readonly string[]) => Promise<void>;
  /** The body a delivered message was sent with. */
  readonly bodyOf: (message: M) => string;
  /** Removes the queue and everything the fixture made. Called after `source.close()`. */
  readonly dispose: () => Promise<void>;
  /** How many messages are in the source's dead letters, for a source that keeps them. */
  readonly deadLetterCount?: () => Promise<number>;
}

/** What the suite may expect of a source. */
export interface ConformanceOptions {
  /**
   * Milliseconds after which a delivered message that was neither cleaned up
   * nor released is delivered again (its consumer died). Omit for a source
   * that cannot redeliver by timeout; the test is then skipped.
   */
  readonly redeliveryAfterMs?: number;
  /** Whether the source keeps the order messages were sent in (FIFO). @default false */
  readonly ordered?: boolean;
  /**
   * The least milliseconds a message released with a charged failure stays
   * invisible (the fixture's `retryBackoff` base without jitter, or half of it
   * with equal jitter). @default 0
   */
  readonly minRetryDelayMs?: number;
  /** The broker counts every receive itself (SQS): an uncharged release still increases `receiveCount`. @default false */
  readonly countsEveryReceive?: boolean;
  /** Longest wait for any expected delivery. @default 15000 */
  readonly timeoutMs?: number;
}
