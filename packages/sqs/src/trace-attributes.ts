import type { TraceCarrier } from '@conveyor/core';
import { readTraceHeaders, traceHeaders } from '@conveyor/core/kit';
import type { SqsMessageAttribute } from './sqs-message.js';

/** The trace context in a received message's attributes (`traceparent`, `tracestate`), if any. */
export function traceContextOf(attributes: Readonly<Record<string, SqsMessageAttribute>>): TraceCarrier | undefined {
  return readTraceHeaders((name) => attributes[name]?.stringValue);
}

/**
 * The attributes to send with a trace context added: its headers as `String`
 * attributes, unless the message already has a `traceparent`, or has too little
 * room left of SQS's 10 attributes (the message is sent without: tracing never fails a send).
 */
export function withTraceContext<A>(
  attributes: Readonly<Record<string, A | string>> | undefined,
  traceContext: TraceCarrier | undefined,
  maxAttributes: number,
): Readonly<Record<string, A | string>> | undefined {
  if (attributes?.traceparent !== undefined) return attributes;
  const added = traceHeaders(traceContext);
  const count = Object.keys(added).length;
  if (count === 0 || Object.keys(attributes ?? {}).length + count > maxAttributes) return attributes;
  return { ...attributes, ...added };
}
