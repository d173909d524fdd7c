import type { ConveyorError } from '@conveyor/core';
import type { SqsOperation } from './errors/sqs-error.js';

/** A message the source settled on its own, without handing it to a handler. */
export interface UndeliveredMessage {
  /** The SQS `MessageId`. */
  readonly id: string;
  readonly receiveCount: number;
  /** The body as received. */
  readonly body: string;
  readonly groupId?: string;
}

/** The events of an `SqsSource`, with their arguments. */
export interface SqsSourceEvents {
  /**
   * A fault the source recovered from on its own: a receive that failed with a
   * network, throttling or server error (the source backs off), a heartbeat
   * extension SQS refused, a failed move to the dead-letter queue.
   */
  error: [error: ConveyorError, info: { readonly operation: SqsOperation | 'DeadLetter' }];
  /** A body did not parse (`bodyFormat: 'json'`): the message failed without reaching a handler. */
  invalidBody: [message: UndeliveredMessage, error: ConveyorError];
  /**
   * A message was moved to the dead-letter queue: after `deadLetter.maxReceiveCount`
   * receives, or at once when released as poison (`isPoison(reason)`).
   */
  deadLettered: [message: UndeliveredMessage, reason: unknown];
  /** The heartbeat extended the visibility of this many messages. */
  extended: [count: number];
}

/** How the parts behind `SqsSource` emit its events (the source's own `emit`, which is protected). */
export type EmitSqsSourceEvent = <E extends keyof SqsSourceEvents>(event: E, ...args: SqsSourceEvents[E]) => void;
