import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JsMsg } from '@nats-io/jetstream';
import type { Bound } from './consumer-binding.js';
import type { Delivery } from './delivery-book.js';
import { jetStreamAcks } from './jetstream-acks.js';
import type { EmitNatsSourceEvent } from './nats-source-events.js';

/** Headers a dead-letter copy carries, besides the original message's own. */
export const deadLetterHeaders = Object.freeze({
  stream: 'Conveyor-Stream',
  sequence: 'Conveyor-Sequence',
  subject: 'Conveyor-Subject',
  receiveCount: 'Conveyor-Receive-Count',
  reason: 'Conveyor-Error',
});

/**
 * The dead letters: a failed message is *copied* to the dead-letter subject
 * (a JetStream publish whose ack is awaited, with the message id
 * `<stream>:<sequence>` so a repeated copy is dropped by the dead-letter
 * stream's duplicate window), and only then terminated (`+TERM`) in its own
 * stream. If the process dies between the two, the message is delivered again
 * (its `ack_wait` runs out), found over `maxReceiveCount` and copied again: it
 * is never lost, at worst copied twice outside the duplicate window.
 */
export class DeadLetters {
  readonly #subject: string;
  readonly #emit: EmitNatsSourceEvent;

  constructor(subject: string, emit: EmitNatsSourceEvent) {
    this.#subject = subject;
    this.#emit = emit;
  }

  /**
   * Copies each delivery, then terminates it. Resolves with those whose copy
   * failed (they are still unsettled: the caller releases them).
   */
  async send(bound: Bound, deliveries: readonly Delivery[], reason: unknown): Promise<{ failed: Delivery[]; error: unknown }> {
    const text = reasonText(reason);
    const results = await Promise.allSettled(deliveries.map((delivery) => this.#copy(bound, delivery.msg, delivery.receiveCount, text)));
    const failed: Delivery[] = [];
    let error: unknown;
    results.forEach((result, index) => {
      const delivery = deliveries[index] as Delivery;
      if (result.status === 'rejected') {
        failed.push(delivery);
        error ??= result.reason;
        return;
      }
      jetStreamAcks.term(delivery.msg);
      this.#emit('deadLettered', { id: delivery.sequence, subject: delivery.msg.subject, receiveCount: delivery.receiveCount }, reason);
    });
    return { failed, error };
  }

  async #copy(bound: Bound, msg: JsMsg, receiveCount: number, reason: string): Promise<void> {
    const copyHeaders = natsHeaders();
    if (msg.headers !== undefined) {
      for (const key of msg.headers.keys()) {
        // The original's Nats-Msg-Id would make the dead-letter stream drop the copy as a duplicate of nothing it has;
        // it is kept under another name.
        if (key.toLowerCase() === 'nats-msg-id') {
          copyHeaders.set('Conveyor-Msg-Id', msg.headers.get(key));
          continue;
        }
        for (const value of msg.headers.values(key)) copyHeaders.append(key, value);
      }
    }
    copyHeaders.set(deadLetterHeaders.stream, msg.info.stream);
    copyHeaders.set(deadLetterHeaders.sequence, String(msg.seq));
    copyHeaders.set(deadLetterHeaders.subject, msg.subject);
    copyHeaders.set(deadLetterHeaders.receiveCount, String(receiveCount));
    copyHeaders.set(deadLetterHeaders.reason, reason);
    await bound.js.publish(this.#subject, msg.data, { msgID: `${msg.info.stream}:${msg.seq}`, headers: copyHeaders });
  }
}

function reasonText(reason: unknown): string {
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  // Header values are one line.
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1024) || 'unknown';
}
