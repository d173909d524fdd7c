import type { DeliveredMessage } from '@conveyor/core/kit';

/**
 * What settles one delivery: the channel generation it came on and its delivery
 * tag there. A generation ends when its connection or channel closes; the broker
 * then delivers its unacknowledged messages again, so a receipt of an ended
 * generation is stale and settling with it does nothing (it is never acked on a
 * new channel, where its tag would name another message).
 */
export interface RabbitMqReceipt {
  readonly generation: number;
  readonly deliveryTag: number;
}

/** The AMQP basic properties a message was published with (those it has). */
export interface RabbitMqProperties {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly type?: string;
  readonly appId?: string;
  readonly userId?: string;
  /** Milliseconds since the epoch, as the producer set it (AMQP timestamps are whole seconds on the wire for some clients). */
  readonly timestamp?: number;
  readonly priority?: number;
  readonly expiration?: string;
  /** 2 for persistent messages. */
  readonly deliveryMode?: number;
}

/**
 * A message delivered by `RabbitMqSource`: a `DeliveredMessage` (see GLOSSARY.md)
 * plus what the broker tells. Plain data, so it crosses to pool threads.
 */
export interface RabbitMqMessage<T = string> extends DeliveredMessage<T, RabbitMqReceipt> {
  /** The AMQP `message-id` (`RabbitMqSender` sets one); for a message published without one, an id the source made up on its first delivery (kept from its first retry on). */
  readonly id: string;
  readonly body: T;
  /** 1 + the charged failures so far (the `x-conveyor-failures` header); uncharged releases and redeliveries after a crash do not count. */
  readonly receiveCount: number;
  readonly receipt: RabbitMqReceipt;
  /** The exchange it was published to (`''`: the default exchange). */
  readonly exchange: string;
  /** The routing key it was published with (for a retried message: the work queue's name). */
  readonly routingKey: string;
  /** The broker's flag: this message may have been delivered before (to a consumer that died, or released uncharged). */
  readonly redelivered: boolean;
  /** Quorum queues: the broker's `x-delivery-count` (every return counts, crashes and uncharged releases included); else undefined. */
  readonly deliveryCount: number | undefined;
  /** The message's headers (AMQP table values as amqplib decodes them). */
  readonly headers: Readonly<Record<string, unknown>>;
  /** Its AMQP basic properties. */
  readonly properties: RabbitMqProperties;
}
