import type { ConveyorError } from '@conveyor/core';
import type { DeadLetterReason } from './conveyor-headers.js';

/** A message the source settled on its own or dead-lettered: what it can tell of it. */
export interface SettledMessage {
  /** The message's `id`. */
  readonly id: string;
  /** Charged failures so far, this one included when it was charged. */
  readonly failures: number;
}

/** The events of a `RabbitMqSource`, with their arguments. */
export interface RabbitMqSourceEvents {
  /**
   * A fault the source recovered from on its own: a lost connection or channel
   * (it reconnects), a failed reconnect attempt, a failed dead-lettering of a bad body.
   */
  error: [error: ConveyorError];
  /** A new channel generation consumes (the first, or one after a loss). */
  connected: [info: { readonly generation: number }];
  /** A channel generation ended: its unacknowledged deliveries go back to the queue. */
  disconnected: [info: { readonly generation: number; readonly error: ConveyorError }];
  /** A body did not decode (`bodyFormat`): the message went to the dead letters without reaching a handler. */
  invalidBody: [message: SettledMessage, error: ConveyorError];
  /** A message was published to the dead-letter exchange (and acked). */
  deadLettered: [message: SettledMessage, reason: DeadLetterReason, error: unknown];
}

/** How the parts behind `RabbitMqSource` emit its events (the source's own `emit`, which is protected). */
export type EmitRabbitMqSourceEvent = <E extends keyof RabbitMqSourceEvents>(event: E, ...args: RabbitMqSourceEvents[E]) => void;
