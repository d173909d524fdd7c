import type { TraceCarrier } from '@conveyor/core';
import { traceHeaders } from '@conveyor/core/kit';

/** A trace context as the `trace_context` column keeps it: JSON of its W3C headers; `null` for none. */
export function encodeTraceContext(traceContext: TraceCarrier | undefined): string | null {
  const headers = traceHeaders(traceContext);
  return headers.traceparent === undefined ? null : JSON.stringify(headers);
}

/** The trace context a `trace_context` value holds; undefined for none (or for text that is not one). */
export function decodeTraceContext(stored: string | null): TraceCarrier | undefined {
  if (stored === null) return undefined;
  try {
    const parsed = JSON.parse(stored) as unknown;
    const headers = traceHeaders(parsed !== null && typeof parsed === 'object' ? (parsed as TraceCarrier) : undefined);
    return headers.traceparent === undefined ? undefined : headers;
  } catch {
    return undefined;
  }
}
