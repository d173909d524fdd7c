import type { JsMsg } from '@nats-io/jetstream';
import type { DeliveredMessage } from '@conveyor/core/kit';

/**
 * A message delivered by a `NatsSource`, as handlers see it: a `DeliveredMessage`
 * (the glossary's four fields) plus what JetStream tells about it. Plain data,
 * so it crosses to pool threads intact.
 */
export interface NatsMessage<T = string> extends DeliveredMessage<T, string> {
  /** The message's stream sequence: stable across deliveries. */
  readonly id: number;
  /** The body: UTF-8 text, parsed JSON (`bodyFormat: 'json'`) or the bytes (`'buffer'`). */
  readonly body: T;
  /**
   * Deliveries of this message so far, this one included, less the uncharged releases this
   * source made of it (JetStream counts those too: see `deliveryCount`).
   */
  readonly receiveCount: number;
  /** The delivery's reply subject (`$JS.ACK...`): settles this delivery; stale once settled or its `ack_wait` ran out. */
  readonly receipt: string;
  /** The subject the message was published to. */
  readonly subject: string;
  readonly stream: string;
  /** The durable consumer that delivered it. */
  readonly consumer: string;
  /** JetStream's own delivery count (`num_delivered`), which counts every delivery, uncharged ones included. */
  readonly deliveryCount: number;
  /** When the stream stored the message, in ms since the epoch. */
  readonly timestamp: number;
  /** The message's headers, each with its values in order (`Nats-Msg-Id` among them when the producer set one). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

/** The parts of a delivery every message of it shares, whatever the body became. */
export function natsMessageOf<T>(msg: JsMsg, body: T, receiveCount: number): NatsMessage<T> {
  return {
    id: msg.seq,
    body,
    receiveCount,
    receipt: receiptOf(msg),
    subject: msg.subject,
    stream: msg.info.stream,
    consumer: msg.info.consumer,
    deliveryCount: msg.info.deliveryCount,
    timestamp: Math.floor(msg.info.timestampNanos / 1e6),
    headers: headersOf(msg),
  };
}

/** The headers of a message as a plain object. */
export function headersOf(msg: Pick<JsMsg, 'headers'>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  const headers = msg.headers;
  if (headers === undefined) return result;
  for (const key of headers.keys()) result[key] = headers.values(key);
  return result;
}

/** The reply subject of a delivery (the client has it; its public type does not show it). */
export function receiptOf(msg: JsMsg): string {
  return (msg as JsMsg & { readonly reply?: string }).reply ?? `${msg.info.stream}.${msg.seq}.${msg.info.deliveryCount}`;
}
