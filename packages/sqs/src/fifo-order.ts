import { SqsFifoGroupError } from './errors/sqs-fifo-group-error.js';

/** What the FIFO order allows once a message settles. */
export interface OrderDecision<L> {
  /** Safe to delete now: every earlier message of their group was deleted. */
  readonly remove: L[];
  /** To release (make visible again) with this error. */
  readonly release: Array<{ readonly lease: L; readonly error: unknown }>;
  /** Consumed but held back: their delete waits for an earlier message of the group. */
  readonly waiting: L[];
}

interface Entry<L> {
  readonly lease: L;
  consumed: boolean;
  /** Set when an earlier message of the group failed: this one is released whatever happens to it. */
  doomedBy: SqsFifoGroupError | undefined;
}

/**
 * Keeps the order of each FIFO message group through settlement. Messages of a
 * group are chained in delivery order; a consumed message is deleted only once
 * every earlier one of its group was deleted; when one fails, every later one of
 * its group still in the chain is released too (now if already settled, else
 * when it settles), so nothing overtakes the failed message.
 */
export class FifoOrder<L extends { readonly groupId: string | undefined; readonly id: string; readonly receipt: string }> {
  readonly #chains = new Map<string, Entry<L>[]>();
  readonly #entries = new Map<string, Entry<L>>();

  /** Messages tracked (delivered and not yet decided). */
  get size(): number {
    return this.#entries.size;
  }

  /** Appends a delivered message to its group's chain; call in delivery order. */
  add(lease: L): void {
    if (lease.groupId === undefined) return;
    const entry: Entry<L> = { lease, consumed: false, doomedBy: undefined };
    this.#entries.set(lease.receipt, entry);
    const chain = this.#chains.get(lease.groupId);
    if (chain === undefined) this.#chains.set(lease.groupId, [entry]);
    else chain.push(entry);
  }

  /** The handler consumed `lease`. */
  consumed(lease: L): OrderDecision<L> {
    const decision: OrderDecision<L> = { remove: [], release: [], waiting: [] };
    const entry = this.#entries.get(lease.receipt);
    if (entry === undefined || lease.groupId === undefined) {
      decision.remove.push(lease);
      return decision;
    }
    const chain = this.#chains.get(lease.groupId) as Entry<L>[];
    if (entry.doomedBy !== undefined) {
      this.#drop(chain, entry);
      decision.release.push({ lease, error: entry.doomedBy });
    } else {
      entry.consumed = true;
    }
    this.#flush(lease.groupId, chain, decision);
    if (this.#entries.get(lease.receipt) === entry) decision.waiting.push(lease);
    return decision;
  }

  /** The handler failed `lease` with `error`. */
  failed(lease: L, error: unknown): OrderDecision<L> {
    const decision: OrderDecision<L> = { remove: [], release: [{ lease, error }], waiting: [] };
    const entry = this.#entries.get(lease.receipt);
    if (entry === undefined || lease.groupId === undefined) return decision;
    const chain = this.#chains.get(lease.groupId) as Entry<L>[];
    const position = chain.indexOf(entry);
    const doom = new SqsFifoGroupError(lease.groupId, lease.id, error);
    const later = chain.slice(position + 1);
    this.#drop(chain, entry);
    for (const next of later) {
      next.doomedBy ??= doom;
      if (next.consumed) {
        // Already consumed and waiting: deleting it would let it overtake the failed message.
        this.#drop(chain, next);
        decision.release.push({ lease: next.lease, error: next.doomedBy });
      }
    }
    this.#flush(lease.groupId, chain, decision);
    return decision;
  }

  /** Deletes the consumed messages at the head of the chain, in order. */
  #flush(groupId: string, chain: Entry<L>[], decision: OrderDecision<L>): void {
    while (chain.length > 0) {
      const head = chain[0] as Entry<L>;
      if (!head.consumed || head.doomedBy !== undefined) break;
      chain.shift();
      this.#entries.delete(head.lease.receipt);
      decision.remove.push(head.lease);
    }
    if (chain.length === 0) this.#chains.delete(groupId);
  }

  #drop(chain: Entry<L>[], entry: Entry<L>): void {
    const index = chain.indexOf(entry);
    if (index >= 0) chain.splice(index, 1);
    this.#entries.delete(entry.lease.receipt);
  }
}
