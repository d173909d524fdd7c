/**
 * A message's or a parcel's trace context as W3C Trace Context headers
 * (`traceparent`, optionally `tracestate`): what a producer puts on a message,
 * what a source reads back (`Source.traceContext()`), and what crosses with a
 * parcel to the handler's thread (`Bulk.traceContext`). Plain strings, so it
 * crosses threads and brokers as is; `@conveyor/opentelemetry` turns it into an
 * OpenTelemetry context (`propagation.extract`).
 */
export type TraceCarrier = Readonly<Record<string, string>>;
