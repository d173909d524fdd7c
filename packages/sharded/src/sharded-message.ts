import type { DeliveredMessage } from '@conveyor/core/kit';

/** What a `ShardedSource` needs to settle one delivered message: its delivery and its position there. */
export interface ShardedReceipt {
  /** Which delivery (one `get()`) of this source the message belongs to. */
  readonly delivery: number;
  /** Its position in that delivery. */
  readonly index: number;
}

/**
 * A request as a `ShardedSource` delivers it to a Consumer: the kit's
 * delivered-message shape (`id`, `body`, `receiveCount`, `receipt`) and its
 * route. Plain data: it crosses to pool threads.
 */
export interface ShardedMessage<R = unknown> extends DeliveredMessage<R, ShardedReceipt> {
  /**
   * `<tube>#<position>`: the message's position in its tube (messages removed
   * before it, plus its index). The storage keeps no identity of its own, so
   * this is stable across deliveries while the message waits at the head, and
   * moves up when a batch is settled out of order (a message after it consumed
   * while it failed).
   */
  readonly id: string;
  /** The request, as registered. */
  readonly body: R;
  /**
   * Deliveries of its batch so far, this one included: the charged failures the
   * storage counted for the head of its tube, plus one. The storage counts per
   * head batch, not per message; only deliveries handed to the handler count.
   */
  readonly receiveCount: number;
  readonly receipt: ShardedReceipt;
  /** Registered name of the request handler it was registered for. */
  readonly handlerName: string;
  /** `handlerName/thread`: its thread; the requests of a thread are delivered one batch at a time, in order. */
  readonly thread: string;
  /** `handlerName/thread/priority`: its tube; one delivery never mixes tubes. */
  readonly tube: string;
}
