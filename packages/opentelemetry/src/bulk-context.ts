import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { Bulk, Handler, TraceCarrier } from '@conveyor/core';
import { spanContextOf } from './traceparent.js';

/** Anything that carries a parcel's trace context: a `Bulk`. */
export interface TracedBulk {
  readonly traceContext: TraceCarrier | undefined;
}

/**
 * The OpenTelemetry context whose span is the process span of this bulk's
 * parcel (made by `OpenTelemetryMetrics` on the main thread): spans started
 * in it are children of the process span, on a pool thread as inline.
 * `context.active()` when the bulk carries no trace context.
 *
 * ```ts
 * const tracer = trace.getTracer('my-handler');
 * export default function handler(bulk: Bulk<Job>): void {
 *   const span = tracer.startSpan('resize', {}, bulkContext(bulk));
 *   try { for (const job of bulk) resize(job.body); } finally { span.end(); }
 * }
 * ```
 */
export function bulkContext(bulk: TracedBulk): Context {
  const spanContext = spanContextOf(bulk.traceContext);
  return spanContext === undefined ? context.active() : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/**
 * Runs `work` with the bulk's context active (`context.with`), so spans started
 * without an explicit parent (yours, auto-instrumented HTTP or database calls)
 * become children of the process span. Needs a context manager registered in
 * that thread (the Node SDK registers one); `bulkContext()` works without.
 */
export function withBulkContext<T>(bulk: TracedBulk, work: () => T): T {
  return context.with(bulkContext(bulk), work);
}

/**
 * Wraps a handler so that each call runs inside its bulk's context
 * (`withBulkContext`): `export default tracedHandler(async (bulk) => { ... })`.
 */
export function tracedHandler<M>(handler: Handler<M>): Handler<M> {
  return (bulk: Bulk<M>) => withBulkContext(bulk, () => handler(bulk));
}
