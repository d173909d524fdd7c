/** One parcel of bulks that finished: what a metrics adapter records. */
export interface SettledSample {
  /** Bulks in the parcel (one handler call each). */
  readonly bulks: number;
  readonly consumed: number;
  readonly failed: number;
  /** Milliseconds from dispatch to the executor's answer (handler time plus the hop to the pool). */
  readonly handlerMs: number;
  /** Milliseconds the oldest bulk of the parcel waited for a free handler slot. */
  readonly waitMs: number;
  /** The pool thread that ran the parcel; undefined inline, or when the thread died. */
  readonly threadId: number | undefined;
}

/**
 * What the consumer reports to a metrics backend (see the Prometheus and
 * OpenTelemetry adapters). Nothing is measured when no `metrics` is given.
 */
export interface ConsumerMetrics {
  /** A get() returned `count` messages. */
  received(count: number): void;
  /** A parcel of bulks was handled and its messages handed to cleanup / release. */
  settled(sample: SettledSample): void;
  /** A cleanup() or release() call threw. */
  settleError(kind: 'cleanup' | 'release'): void;
}
