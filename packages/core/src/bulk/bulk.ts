import type { TraceCarrier } from '../sources/trace-carrier.js';

/**
 * What a handler receives: an iterator over one bulk of messages. The consumer
 * watches how far the handler got, which decides what is consumed and what
 * failed (the iterator rule, `iterator-rule.ts`).
 */
export interface Bulk<M> extends IterableIterator<M> {
  /** Number of messages in the bulk. */
  readonly size: number;
  /** Number of messages taken from the iterator so far. */
  readonly taken: number;
  /**
   * Marks a message the handler already took as failed, without throwing: it
   * goes back to the source (`release`) while the others are cleaned up.
   * Throws a `RangeError` for a message that is not part of this bulk or not taken yet.
   */
  fail(message: M, reason?: unknown): void;
  /**
   * Takes every message of the bulk at once, as one unit: all are consumed if
   * the handler returns normally, all fail if it throws (for batch writes:
   * `await db.insertMany(bulk.all())`). `fail()` still marks single ones.
   */
  all(): M[];
  /**
   * The trace context of the process span this bulk belongs to (W3C headers),
   * when a tracing metrics adapter is attached (`@conveyor/opentelemetry`):
   * start the handler's spans as its children, on any thread
   * (`withBulkContext(bulk, ...)` from `@conveyor/opentelemetry`). Undefined otherwise.
   */
  readonly traceContext: TraceCarrier | undefined;
}
