import type { Channel, Message } from 'amqplib';
import type { ClockTimer } from '@conveyor/core/kit';
import { AckBook } from './ack-book.js';
import type { Delivery } from './delivery.js';

/**
 * What the source holds on one channel generation: its open deliveries by tag
 * (waiting in the backlog, handed out, held for a retry, being settled) and the
 * book of tags to acknowledge. Once the channel closes, nothing of it is acked
 * or nacked any more: the broker has put its deliveries back in the queue.
 */
export class Generation<T> {
  readonly number: number;
  readonly #channel: Channel;
  readonly #book = new AckBook();
  readonly #deliveries = new Map<number, Delivery<T>>();
  /** Ordered mode: retries waiting out their backoff, cancelled when the channel closes. */
  readonly #timers = new Set<ClockTimer>();
  #alive = true;

  constructor(number: number, channel: Channel) {
    this.number = number;
    this.#channel = channel;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Deliveries open on this channel (delivered, not acked or nacked yet). */
  get open(): number {
    return this.#book.size;
  }

  /** Records a delivery; `delivery` (when it decoded) can be looked up by its tag until settled. */
  delivered(tag: number, delivery?: Delivery<T>): void {
    this.#book.delivered(tag);
    if (delivery !== undefined) this.#deliveries.set(tag, delivery);
  }

  /** The open delivery with this tag, if it is one of this generation's and still open. */
  find(tag: number): Delivery<T> | undefined {
    return this.#alive ? this.#deliveries.get(tag) : undefined;
  }

  /** Whether `tag` is still open here. */
  isOpen(tag: number): boolean {
    return this.#alive && this.#book.has(tag);
  }

  /**
   * Acknowledges finished deliveries: one `multiple` ack up to the highest tag
   * below which every delivery is finished, one ack each for the others.
   */
  ack(tags: readonly number[]): void {
    if (!this.#alive || tags.length === 0) return;
    for (const tag of tags) this.#deliveries.delete(tag);
    const { upTo, singles } = this.#book.finish(tags);
    try {
      if (upTo !== undefined) this.#channel.ack(frame(upTo), true);
      for (const tag of singles) this.#channel.ack(frame(tag), false);
    } catch {
      // The channel closed meanwhile: the broker gives these back; nothing to ack on another channel.
    }
  }

  /** Gives deliveries back to the queue at once (`basic.nack` with requeue). */
  requeue(tags: readonly number[]): void {
    if (!this.#alive || tags.length === 0) return;
    for (const tag of tags) this.#deliveries.delete(tag);
    this.#book.forget(tags);
    try {
      for (const tag of tags) this.#channel.nack(frame(tag), false, true);
    } catch {
      // As for ack(): a closed channel gave them back already.
    }
  }

  /** Keeps a timer to cancel if the channel closes first. */
  track(timer: ClockTimer): void {
    this.#timers.add(timer);
  }

  untrack(timer: ClockTimer): void {
    this.#timers.delete(timer);
  }

  /** The channel closed: forget everything (the broker delivers it again). */
  end(): void {
    this.#alive = false;
    for (const timer of this.#timers) timer.clear();
    this.#timers.clear();
    this.#deliveries.clear();
  }
}

/** amqplib acks and nacks by a message, of which it reads only the delivery tag. */
function frame(deliveryTag: number): Message {
  return { fields: { deliveryTag } } as unknown as Message;
}
