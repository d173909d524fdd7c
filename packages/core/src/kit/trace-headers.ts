import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';

/**
 * The W3C Trace Context headers, as message headers or attributes carry them:
 * the names OpenTelemetry's own messaging instrumentations use, so their
 * producers and Conveyor's sources understand each other.
 */
export const traceHeaderNames: readonly ['traceparent', 'tracestate'] = Object.freeze(['traceparent', 'tracestate'] as const);

/** The trace context among a message's headers, read by `header(name)` (text, or undefined); undefined without a `traceparent`. */
export function readTraceHeaders(header: (name: string) => string | undefined): TraceCarrier | undefined {
  const traceparent = header('traceparent');
  if (traceparent === undefined || traceparent === '') return undefined;
  const tracestate = header('tracestate');
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

/** A header value as text: strings as they are, bytes as UTF-8 (AMQP long strings may arrive as bytes). */
export function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return undefined;
}

/** The headers to write for a trace context (empty for none): `traceparent` and, when there is one, `tracestate`. */
export function traceHeaders(traceContext: TraceCarrier | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (traceContext === undefined) return headers;
  for (const name of traceHeaderNames) {
    const value = traceContext[name];
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  return headers.traceparent === undefined ? {} : headers;
}

/** A trace context as one text value (a database column): JSON of its W3C headers; `null` for none. */
export function traceContextToText(traceContext: TraceCarrier | undefined): string | null {
  const headers = traceHeaders(traceContext);
  return headers.traceparent === undefined ? null : JSON.stringify(headers);
}

/** The trace context a `traceContextToText()` value holds; undefined for none (or for text that is not one). */
export function traceContextFromText(stored: string | null | undefined): TraceCarrier | undefined {
  if (stored === null || stored === undefined) return undefined;
  try {
    const parsed = JSON.parse(stored) as unknown;
    const headers = traceHeaders(parsed !== null && typeof parsed === 'object' ? (parsed as TraceCarrier) : undefined);
    return headers.traceparent === undefined ? undefined : headers;
  } catch {
    return undefined;
  }
}

/** A sender's `traceContext` option: a function returning the trace context to send (`currentTraceContext` of `@conveyor/opentelemetry`). */
export function traceContextOption(value: unknown): (() => TraceCarrier | undefined) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new InvalidOptionError(
      'traceContext',
      'a function returning W3C trace headers (currentTraceContext from @conveyor/opentelemetry)',
      value,
    );
  }
  return value as () => TraceCarrier | undefined;
}
