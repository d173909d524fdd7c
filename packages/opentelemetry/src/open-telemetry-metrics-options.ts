import { InvalidOptionError } from '@conveyor/core';
import type { Attributes, Meter, Tracer } from '@opentelemetry/api';

/** Options of `new OpenTelemetryMetrics(options)`. */
export interface OpenTelemetryMetricsOptions {
  /** Where spans go. @default `trace.getTracer('@conveyor/opentelemetry')` (the global provider, registered before or after) */
  tracer?: Tracer;
  /** Where counters and histograms go. @default `metrics.getMeter('@conveyor/opentelemetry')` */
  meter?: Meter;
  /** Create a span per parcel of bulks; `false` keeps only the metrics. @default true */
  spans?: boolean;
  /**
   * Name of the process spans (one per parcel of bulks). @default `process {destination}`
   * (OpenTelemetry's convention; the destination from `Source.describe()` or `attributes`), else `process`
   */
  spanName?: string;
  /**
   * Attributes put on every span and every data point; they win over those the
   * source describes (`{ 'messaging.destination.name': 'orders' }` renames the destination). @default {}
   */
  attributes?: Attributes;
}

/** Options after validation, defaults applied. */
export interface ResolvedOpenTelemetryMetricsOptions {
  readonly tracer: Tracer | undefined;
  readonly meter: Meter | undefined;
  readonly spans: boolean;
  readonly spanName: string | undefined;
  readonly attributes: Readonly<Attributes>;
}

/** The defaults of every option that has one. */
export const openTelemetryMetricsDefaults: Readonly<{ spans: boolean }> = Object.freeze({
  spans: true,
});

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveOpenTelemetryMetricsOptions(options: OpenTelemetryMetricsOptions = {}): ResolvedOpenTelemetryMetricsOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  const { tracer, meter } = options;
  if (tracer !== undefined && typeof (tracer as { startSpan?: unknown } | null)?.startSpan !== 'function') {
    throw new InvalidOptionError('tracer', 'an OpenTelemetry Tracer (trace.getTracer(...))', tracer);
  }
  if (meter !== undefined && typeof (meter as { createCounter?: unknown } | null)?.createCounter !== 'function') {
    throw new InvalidOptionError('meter', 'an OpenTelemetry Meter (metrics.getMeter(...))', meter);
  }
  const spans = options.spans ?? openTelemetryMetricsDefaults.spans;
  if (typeof spans !== 'boolean') throw new InvalidOptionError('spans', 'a boolean', spans);
  const spanName = options.spanName;
  if (spanName !== undefined && (typeof spanName !== 'string' || spanName === ''))
    throw new InvalidOptionError('spanName', 'a non-empty string', spanName);
  const attributes = options.attributes ?? {};
  if (attributes === null || typeof attributes !== 'object')
    throw new InvalidOptionError('attributes', 'an object of attribute values', attributes);
  return Object.freeze({ tracer, meter, spans, spanName, attributes: Object.freeze({ ...attributes }) });
}
