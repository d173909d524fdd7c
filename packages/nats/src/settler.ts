import type { JsMsg } from '@nats-io/jetstream';
import { backoffDelay, isPoison, isUncharged } from '@conveyor/core/kit';
import type { ClockTimer } from '@conveyor/core/kit';
import type { Bound, ConsumerBinding } from './consumer-binding.js';
import type { DeadLetters } from './dead-letters.js';
import type { Delivery, DeliveryBook } from './delivery-book.js';
import { toNatsError } from './errors/error-mapping.js';
import type { Faults } from './faults.js';
import { jetStreamAcks } from './jetstream-acks.js';
import type { ResolvedNatsSourceOptions } from './nats-source-options.js';
import type { UnchargedReturns } from './uncharged-returns.js';

/** How long a settle call waits for the server to confirm it read the acks (one flush round trip). */
const flushTimeoutMs = 10_000;

/** What the settler works with; the source owns each of them. */
export interface SettlerParts {
  readonly options: ResolvedNatsSourceOptions;
  readonly binding: ConsumerBinding;
  readonly book: DeliveryBook;
  readonly uncharged: UnchargedReturns;
  readonly deadLetters: DeadLetters;
  readonly faults: Faults;
}

/**
 * Settles deliveries with JetStream's acknowledgements. JetStream has no batch
 * ack for an explicit-ack consumer (`AckAll` acks everything below a sequence,
 * which would settle messages still in other handlers), so a settle call sends
 * one ack per message, pipelined on the connection, then one flush: one round
 * trip per call, whatever its size.
 * - consumed: `+ACK`.
 * - failed, uncharged (`isUncharged`): `-NAK` at once, and remembered so the
 *   next delivery's `receiveCount` does not count it.
 * - failed, charged: `-NAK` with the delay `backoffDelay(receiveCount, retryBackoff)`;
 *   at `maxReceiveCount`, or poison (`isPoison`): to the dead letters.
 */
export class Settler {
  readonly #parts: SettlerParts;

  constructor(parts: SettlerParts) {
    this.#parts = parts;
  }

  /** `cleanup()`: acks consumed deliveries. */
  async consumed(receipts: readonly string[]): Promise<void> {
    const { book, uncharged } = this.#parts;
    let sent = 0;
    for (const receipt of receipts) {
      const delivery = book.take(receipt);
      if (delivery === undefined) continue;
      uncharged.forget(delivery.sequence);
      if (jetStreamAcks.ack(delivery.msg)) sent++;
    }
    if (sent > 0) await this.#flush('ack');
  }

  /** `release()`: failed deliveries back to the stream (after their backoff), or to the dead letters. */
  async failed(receipts: readonly string[], error: unknown): Promise<void> {
    const { book, uncharged, options } = this.#parts;
    const unchargedRelease = isUncharged(error);
    const dead: Delivery[] = [];
    let sent = 0;
    for (const receipt of receipts) {
      const delivery = book.take(receipt);
      if (delivery === undefined) continue;
      if (unchargedRelease) {
        uncharged.add(delivery.sequence);
        if (jetStreamAcks.nak(delivery.msg)) sent++;
      } else if (isPoison(error) || delivery.receiveCount >= options.maxReceiveCount) {
        dead.push(delivery);
      } else if (jetStreamAcks.nak(delivery.msg, this.#retryDelay(delivery.receiveCount))) {
        sent++;
      }
    }
    if (dead.length > 0) await this.deadLetter(dead, error);
    if (sent > 0) await this.#flush('nak');
  }

  /**
   * Copies deliveries to the dead letters, then terminates them. Those whose
   * copy failed are released with their backoff instead (reported): a later
   * delivery, over `maxReceiveCount`, is dead-lettered on receipt.
   */
  async deadLetter(deliveries: readonly Delivery[], reason: unknown): Promise<void> {
    let bound: Bound;
    try {
      bound = await this.#parts.binding.resolve();
    } catch (error) {
      this.#releaseUncopied(deliveries, error);
      return;
    }
    const { failed, error } = await this.#parts.deadLetters.send(bound, deliveries, reason);
    for (const delivery of deliveries) if (!failed.includes(delivery)) this.#parts.uncharged.forget(delivery.sequence);
    if (failed.length > 0) this.#releaseUncopied(failed, error);
    await this.#flush('term');
  }

  /** Gives back, uncharged, messages the source fetched and never handed out. */
  giveBack(messages: readonly JsMsg[]): void {
    for (const msg of messages) {
      this.#parts.uncharged.add(msg.seq);
      jetStreamAcks.nak(msg);
    }
  }

  #releaseUncopied(deliveries: readonly Delivery[], error: unknown): void {
    this.#parts.faults.report(error, 'deadLetter');
    for (const delivery of deliveries) jetStreamAcks.nak(delivery.msg, this.#retryDelay(delivery.receiveCount));
  }

  #retryDelay(receiveCount: number): number {
    const policy = this.#parts.options.retryBackoff;
    return policy === false ? 0 : backoffDelay(Math.max(1, receiveCount), policy);
  }

  /** One round trip: the server has read every ack sent before it. A lost connection is reported, never thrown. */
  async #flush(operation: 'ack' | 'nak' | 'term'): Promise<void> {
    const bound = this.#parts.binding.current;
    if (bound === undefined || bound.connection.isClosed()) return;
    let timer: ClockTimer | undefined;
    try {
      await Promise.race([
        bound.connection.flush(),
        new Promise((_, reject) => {
          const message = `no answer to a flush within ${flushTimeoutMs} ms`;
          timer = this.#parts.options.clock.setTimeout(() => reject(new Error(message)), flushTimeoutMs).unref();
        }),
      ]);
    } catch (error) {
      // The acks may not have reached the server: JetStream delivers those messages again (at least once).
      this.#parts.faults.report(toNatsError(error, operation), operation);
    } finally {
      timer?.clear();
    }
  }
}
