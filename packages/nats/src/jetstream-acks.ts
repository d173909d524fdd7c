import type { JsMsg } from '@nats-io/jetstream';

/**
 * The acknowledgements of a delivery, as publishes that never throw at the
 * consumer: on a closed connection (or a delivery from before a reconnect) the
 * client throws, and there is nothing left to settle — JetStream delivers the
 * message again once its `ack_wait` runs out. Each returns whether the client
 * took the acknowledgement.
 */
export const jetStreamAcks = {
  ack: (msg: JsMsg): boolean => attempt(() => msg.ack()),
  /** Back to the stream, redelivered after `delayMs` (at once without it). */
  nak: (msg: JsMsg, delayMs?: number): boolean =>
    attempt(() => (delayMs === undefined || delayMs <= 0 ? msg.nak() : msg.nak(Math.ceil(delayMs)))),
  /**
   * Never delivered again. Without a reason: servers before 2.10 ignore a `+TERM` that carries
   * one (the dead-letter copy carries the reason instead).
   */
  term: (msg: JsMsg): boolean => attempt(() => msg.term()),
  /** A progress ack (`+WPI`): `ack_wait` starts again. */
  working: (msg: JsMsg): boolean => attempt(() => msg.working()),
};

function attempt(action: () => void): boolean {
  try {
    action();
    return true;
  } catch {
    return false;
  }
}
