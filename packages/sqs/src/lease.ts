import type { SqsMessageAttribute } from './sqs-message.js';
import type { UndeliveredMessage } from './sqs-source-events.js';

/**
 * Where a delivered message stands, as the source tracks it:
 * - `handling`: handed to the consumer, not settled yet; the heartbeat extends it.
 * - `waiting`: consumed, but its delete waits for an earlier message of its FIFO group; extended too.
 * - `settling`: a delete or visibility change for it is in flight.
 * - `unsettled`: that call failed; a retry of cleanup/release may try again, else SQS delivers it again.
 */
export type LeaseState = 'handling' | 'waiting' | 'settling' | 'unsettled';

/**
 * One delivery of one message that the source has not settled yet, with its
 * visibility hold (the glossary's *lease*), which the heartbeat renews.
 */
export interface Lease {
  /** The receipt handle of this delivery. */
  readonly receipt: string;
  /** The SQS `MessageId`. */
  readonly id: string;
  readonly receiveCount: number;
  /** FIFO queues only: the message group. */
  readonly groupId: string | undefined;
  /** The body as received, kept to forward it to a dead-letter queue. */
  readonly rawBody: string;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  /** When it was received (clock time, ms). */
  readonly receivedAt: number;
  /** When its visibility timeout was last (re)started (clock time, ms). */
  extendedAt: number;
  state: LeaseState;
  /** The heartbeat gave up on it (past `maxExtensionSeconds`, or SQS refused the extension). */
  extensionStopped: boolean;
  /** Already copied to the dead-letter queue: only its delete is left. */
  deadLettered: boolean;
}

/** A lease to release (or dead-letter), and why it failed. */
export interface FailedLease {
  readonly lease: Lease;
  readonly error: unknown;
}

/** What the `invalidBody` and `deadLettered` events tell about a message the source settled on its own. */
export function undeliveredOf(lease: Lease): UndeliveredMessage {
  return {
    id: lease.id,
    receiveCount: lease.receiveCount,
    body: lease.rawBody,
    ...(lease.groupId === undefined ? {} : { groupId: lease.groupId }),
  };
}
