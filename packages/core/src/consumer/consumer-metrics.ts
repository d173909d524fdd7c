import type { Source } from '../sources/source.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';

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

/** What a metrics adapter reads of the source: its description and its messages' trace context. */
export type ObservedSource<M> = Pick<Source<M>, 'describe' | 'traceContext'>;

/**
 * A parcel being traced: what `ConsumerMetrics.dispatched()` returns. Its
 * `context` crosses with the parcel to the handler's thread (`Bulk.traceContext`),
 * and `end()` is called once, with the parcel's sample, when it is settled.
 */
export interface ParcelTrace {
  /** The trace context the handler runs under (W3C headers); undefined: none. */
  readonly context: TraceCarrier | undefined;
  /** The parcel was settled (called right after `settled(sample)`). */
  end(sample: SettledSample): void;
}

/**
 * What the consumer reports to a metrics backend (see the Prometheus and
 * OpenTelemetry adapters). Nothing is measured when no `metrics` is given.
 */
export interface ConsumerMetrics<M = unknown> {
  /** A get() returned `count` messages. */
  received(count: number): void;
  /** A parcel of bulks was handled and its messages handed to cleanup / release. */
  settled(sample: SettledSample): void;
  /** A cleanup() or release() call threw. */
  settleError(kind: 'cleanup' | 'release'): void;
  /**
   * Optional: the consumer started and polls `source` (undefined with poller
   * threads, whose sources live in their threads): an adapter reads its
   * `describe()` and `traceContext()` here.
   */
  started?(source: ObservedSource<M> | undefined): void;
  /**
   * Optional, for tracing: a parcel is about to be handed to the executor.
   * What it returns is ended when the parcel is settled, and its context is
   * what the handler sees as `bulk.traceContext`. Called once per parcel, on
   * the main thread; keep it cheap.
   */
  dispatched?(messages: readonly M[]): ParcelTrace | undefined;
}
