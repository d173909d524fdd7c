import type { Lease } from './lease.js';

/**
 * The messages the source delivered and has not settled yet, by receipt
 * handle: what `cleanup()`/`release()` settle, the heartbeat extends and
 * `inFlight` counts. A lease leaves the book once settled, refused for good,
 * or when its visibility ran out after a failed settle call.
 */
export class LeaseBook {
  readonly #byReceipt = new Map<string, Lease>();

  /** Leases in the book. */
  get size(): number {
    return this.#byReceipt.size;
  }

  add(lease: Lease): void {
    this.#byReceipt.set(lease.receipt, lease);
  }

  /** The lease of a delivered message that is neither settled nor being settled (nor waiting on its FIFO group). */
  settleable(receipt: string): Lease | undefined {
    const lease = this.#byReceipt.get(receipt);
    if (lease === undefined || lease.state === 'settling' || lease.state === 'waiting') return undefined;
    return lease;
  }

  /** True while `lease` is the one the book holds for its receipt. */
  holds(lease: Lease): boolean {
    return this.#byReceipt.get(lease.receipt) === lease;
  }

  /** Takes `lease` out of the book (a later delivery of the same receipt is left alone). */
  forget(lease: Lease): void {
    if (this.holds(lease)) this.#byReceipt.delete(lease.receipt);
  }

  values(): IterableIterator<Lease> {
    return this.#byReceipt.values();
  }
}
