import type { JsMsg } from '@nats-io/jetstream';

/**
 * One delivery the source handed out and has not settled yet:
 * - `held`: with the consumer; `extend()` renews it, `cleanup()`/`release()` settle it.
 * - `settling`: an ack, nak, term or dead-letter copy for it is under way.
 */
export interface Delivery {
  readonly msg: JsMsg;
  /** The reply subject of this delivery (the message's `receipt`). */
  readonly receipt: string;
  /** The stream sequence (the message's `id`). */
  readonly sequence: number;
  readonly receiveCount: number;
  state: 'held' | 'settling';
}

/**
 * The deliveries the source handed out and has not settled, by receipt: what
 * `cleanup()`/`release()` settle, `extend()` renews and `inFlight` counts. A
 * receipt not in the book is stale (settled, or from before a restart): settling
 * it does nothing.
 */
export class DeliveryBook {
  readonly #byReceipt = new Map<string, Delivery>();

  get size(): number {
    return this.#byReceipt.size;
  }

  add(delivery: Delivery): void {
    this.#byReceipt.set(delivery.receipt, delivery);
  }

  /** The delivery of `receipt` when it is held (not settled, not being settled). */
  held(receipt: string): Delivery | undefined {
    const delivery = this.#byReceipt.get(receipt);
    return delivery?.state === 'held' ? delivery : undefined;
  }

  /** Takes the delivery of `receipt` out of the book if it is held, marking it settling. */
  take(receipt: string): Delivery | undefined {
    const delivery = this.held(receipt);
    if (delivery === undefined) return undefined;
    delivery.state = 'settling';
    this.#byReceipt.delete(receipt);
    return delivery;
  }

  /** Every delivery still in the book (for close()). */
  takeAll(): Delivery[] {
    const all = [...this.#byReceipt.values()].filter((delivery) => delivery.state === 'held');
    this.#byReceipt.clear();
    return all;
  }
}
