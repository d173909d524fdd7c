import type { ConveyorError } from '@conveyor/core';
import type { NatsOperation } from './errors/nats-error.js';

/** A message the source settled on its own, without handing it to a handler. */
export interface UndeliveredNatsMessage {
  /** The stream sequence. */
  readonly id: number;
  readonly subject: string;
  readonly receiveCount: number;
}

/** The events of a `NatsSource`, with their arguments. */
export interface NatsSourceEvents {
  /**
   * A fault the source recovered from on its own: a fetch cut short by a lost
   * connection (the client reconnects), an ack that did not reach the server,
   * a dead-letter copy that failed (the message was released instead).
   */
  error: [error: ConveyorError, info: { readonly operation: NatsOperation }];
  /** A body could not be decoded as `bodyFormat` asks: the message went to the dead letters without reaching a handler. */
  invalidBody: [message: UndeliveredNatsMessage, error: ConveyorError];
  /** A message was copied to the dead letters and terminated in its stream. */
  deadLettered: [message: UndeliveredNatsMessage, reason: unknown];
}

/** How the parts behind `NatsSource` emit its events (the source's own `emit`, which is protected). */
export type EmitNatsSourceEvent = <E extends keyof NatsSourceEvents>(event: E, ...args: NatsSourceEvents[E]) => void;
