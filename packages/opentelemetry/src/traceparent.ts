// W3C Trace Context (https://www.w3.org/TR/trace-context/), written and read here rather than
// through the global propagator: the carrier is Conveyor's own (a message attribute, a parcel
// crossing to a pool thread), so it must work whether or not an SDK registered a propagator.
import { TraceFlags, createTraceState, isSpanContextValid } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { TraceCarrier } from '@conveyor/core';

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The W3C headers (`traceparent`, and `tracestate` when there is one) of a span context; undefined for an invalid one. */
export function toTraceCarrier(spanContext: SpanContext): TraceCarrier | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const tracestate = spanContext.traceState?.serialize();
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

/** The remote span context a carrier names; undefined when it has no valid `traceparent`. */
export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const header = carrier?.traceparent;
  if (typeof header !== 'string') return undefined;
  const match = traceparentPattern.exec(header.trim().toLowerCase());
  // Version ff is forbidden; a version 00 header has exactly four fields.
  if (match === null || match[1] === 'ff' || (match[1] === '00' && header.trim().length !== 55)) return undefined;
  const spanContext: SpanContext = {
    traceId: match[2] as string,
    spanId: match[3] as string,
    traceFlags: Number.parseInt(match[4] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  const tracestate = carrier?.tracestate;
  if (typeof tracestate === 'string' && tracestate !== '') spanContext.traceState = createTraceState(tracestate);
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}
