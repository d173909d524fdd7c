import type { ClockTimer } from '@conveyor/core/kit';
import type { ShardedReceipt } from './sharded-message.js';
import type { Peeked } from './storage.js';
import type { Claim } from './thread-claim.js';

/** What became of a delivered message: still open, consumed, failed and charged, or given back uncharged. */
export type Fate = 'consumed' | 'charged' | 'uncharged';

const codes = { consumed: 1, charged: 2, uncharged: 3 } as const;

/** One `get()` of a ShardedSource: a batch of one claimed thread, open until every message is settled. */
export interface OpenDelivery {
  readonly id: number;
  readonly claim: Claim;
  readonly peeked: Peeked<unknown>;
  /** Messages delivered (the decoded head of the peeked batch). */
  readonly count: number;
  /** Lets the thread go at the visibility timeout, even while pollers wait for room; restarted by `renew()`. */
  expiry: ClockTimer;
  /** 0 while open, then the code of its fate, by index. */
  readonly fates: Uint8Array;
  settled: number;
  /** The first charged failure: the dead-letter reason. */
  reason: unknown;
}

/** The deliveries of a ShardedSource that are not settled yet, by receipt. */
export class OpenDeliveries {
  readonly #open = new Map<number, OpenDelivery>();
  #next = 1;

  /** Messages delivered and not settled yet. */
  get inFlight(): number {
    let open = 0;
    for (const delivery of this.#open.values()) open += delivery.count - delivery.settled;
    return open;
  }

  /** Opens a delivery of the first `count` messages of `peeked`; `expire` runs at the visibility timeout. */
  open(claim: Claim, peeked: Peeked<unknown>, count: number, startExpiry: (id: number) => ClockTimer): OpenDelivery {
    const id = this.#next++;
    const delivery: OpenDelivery = {
      id,
      claim,
      peeked,
      count,
      expiry: startExpiry(id),
      fates: new Uint8Array(count),
      settled: 0,
      reason: undefined,
    };
    this.#open.set(id, delivery);
    return delivery;
  }

  /**
   * Records the fate of delivered messages; returns the deliveries it completed
   * (no longer open). A receipt of a delivery given up (visibility timeout,
   * close) or already settled is stale and ignored: that delivery comes again.
   */
  mark(receipts: Iterable<ShardedReceipt>, fate: Fate, error: unknown): OpenDelivery[] {
    const complete: OpenDelivery[] = [];
    for (const receipt of receipts) {
      const delivery = this.#open.get(receipt.delivery);
      if (delivery === undefined || delivery.fates[receipt.index] !== 0) continue;
      delivery.fates[receipt.index] = codes[fate];
      delivery.settled++;
      if (fate === 'charged' && delivery.reason === undefined) delivery.reason = error;
      if (delivery.settled === delivery.count) {
        this.#open.delete(delivery.id);
        complete.push(delivery);
      }
    }
    return complete;
  }

  /** Indexes of a delivery's messages with one of these fates, ascending. */
  static indexes(delivery: OpenDelivery, ...fates: Fate[]): number[] {
    const wanted = fates.map((fate) => codes[fate] as number);
    const indexes: number[] = [];
    delivery.fates.forEach((code, index) => {
      if (wanted.includes(code)) indexes.push(index);
    });
    return indexes;
  }

  /**
   * Restarts the visibility timeout of the open deliveries these receipts belong
   * to (the consumer's lease keeper renews what it holds); settled or given-up
   * deliveries are left alone. Returns how many deliveries were renewed.
   */
  renew(receipts: Iterable<ShardedReceipt>, startExpiry: (id: number) => ClockTimer): number {
    const seen = new Set<number>();
    for (const receipt of receipts) {
      if (seen.has(receipt.delivery)) continue;
      seen.add(receipt.delivery);
      const delivery = this.#open.get(receipt.delivery);
      if (delivery === undefined) continue;
      delivery.expiry.clear();
      delivery.expiry = startExpiry(delivery.id);
    }
    return seen.size;
  }

  /** Removes an open delivery (to give it up); `undefined` when it is settled already. */
  take(id: number): OpenDelivery | undefined {
    const delivery = this.#open.get(id);
    this.#open.delete(id);
    return delivery;
  }

  /** Removes every open delivery. */
  takeAll(): OpenDelivery[] {
    const all = [...this.#open.values()];
    this.#open.clear();
    return all;
  }
}
