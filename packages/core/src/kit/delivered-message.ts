/**
 * The shape every built-in source delivers: one vocabulary across sources (see
 * GLOSSARY.md). A *delivery* is one `get()` result; each delivered message has
 * these four fields, and a source may add its own (attributes, group id...).
 */
export interface DeliveredMessage<B = unknown, R = unknown> {
  /** The message's identity, stable across deliveries (SQS MessageId, a list entry id, a row id). */
  readonly id: string | number;
  /** What the producer sent, as the source decoded it. */
  readonly body: B;
  /** How many times this message was delivered, this delivery included. */
  readonly receiveCount: number;
  /** What the source needs to settle this delivery (a receipt handle, a delivery id); stale once settled or expired. */
  readonly receipt: R;
}
