import { context, trace } from '@opentelemetry/api';
import type { TraceCarrier } from '@conveyor/core';
import { toTraceCarrier } from './traceparent.js';

/**
 * The trace context of the active span, as W3C headers, for a producer to put on
 * the messages it sends: give it as the senders' `traceContext` option
 * (`new SqsSender({ ..., traceContext: currentTraceContext })`), and the process
 * spans of the consumer that handles them link to the span that sent them.
 * Undefined when no span is active (or no SDK is registered).
 */
export function currentTraceContext(): TraceCarrier | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext === undefined ? undefined : toTraceCarrier(spanContext);
}
