import type { SqsMessageAttribute } from './message.js';

/**
 * Where a delivered message stands, as the source tracks it:
 * - `handling`: handed to the consumer, not settled yet; the heartbeat extends it.
 * - `waiting`: consumed, but its delete waits for an earlier message of its FIFO group; extended too.
 * - `settling`: a delete or visibility change for it is in flight.
 * - `unsettled`: that call failed; a retry of cleanup/release may try again, else SQS delivers it again.
 */
export type LeaseState = 'handling' | 'waiting' | 'settling' | 'unsettled';

/** One delivery of one message that the source has not settled yet. */
export interface Lease {
  readonly receiptHandle: string;
  readonly messageId: string;
  readonly receiveCount: number;
  readonly groupId: string | undefined;
  /** The body as received, kept to forward it to a dead-letter queue. */
  readonly rawBody: string;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly receivedAt: number;
  /** When its visibility timeout was last (re)started. */
  extendedAt: number;
  state: LeaseState;
  /** The heartbeat gave up on it (past `maxExtensionSeconds`, or SQS refused the extension). */
  extensionStopped: boolean;
  /** Already copied to the dead-letter queue: only its delete is left. */
  deadLettered: boolean;
}
