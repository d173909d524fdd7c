import { InvalidOptionError } from '@conveyor/core';
import { booleanOption } from '@conveyor/core/kit';
import { Registry } from 'prom-client';

/** Options of `new PrometheusMetrics(options)`. */
export interface PrometheusMetricsOptions {
  /**
   * Where the metrics are registered. Pass prom-client's `register` to add them
   * to the default registry (next to `collectDefaultMetrics()`).
   * @default a new `Registry` of this instance (`metrics.registry`)
   */
  registry?: Registry;
  /** Prefix of every metric name. @default 'conveyor_' */
  prefix?: string;
  /** Constant labels put on every series, e.g. `{ consumer: 'orders' }` to tell consumers of one process apart. @default {} */
  labels?: Readonly<Record<string, string>>;
  /** Buckets of the handler-duration and queue-wait histograms, in seconds. @default [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] */
  durationBuckets?: readonly number[];
  /** Buckets of the messages-per-parcel histogram. @default [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] */
  parcelBuckets?: readonly number[];
  /**
   * With `watch(consumer)`: gauges of the source's queue (waiting, in flight,
   * dead letters, oldest message age), read with `source.inspect()` once per
   * scrape; `false` when that broker call is unwelcome. @default true
   */
  queueGauges?: boolean;
}

/** The defaults of every option that has one. */
export const prometheusMetricsDefaults: Readonly<{
  prefix: string;
  durationBuckets: readonly number[];
  parcelBuckets: readonly number[];
  queueGauges: boolean;
}> = Object.freeze({
  queueGauges: true,
  prefix: 'conveyor_',
  durationBuckets: Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  parcelBuckets: Object.freeze([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]),
});

/** Options after validation, defaults applied. */
export interface ResolvedPrometheusMetricsOptions {
  readonly registry: Registry;
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly durationBuckets: number[];
  readonly parcelBuckets: number[];
  readonly queueGauges: boolean;
}

// Prometheus' own rules for metric and label names.
const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const reservedLabels = new Set(['operation', 'le']);

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolvePrometheusMetricsOptions(options: PrometheusMetricsOptions = {}): ResolvedPrometheusMetricsOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  const registry = options.registry ?? new Registry();
  if (registry === null || typeof registry !== 'object' || typeof (registry as { metrics?: unknown }).metrics !== 'function') {
    throw new InvalidOptionError('registry', "a prom-client Registry (or prom-client's `register`)", registry);
  }
  const prefix = options.prefix ?? prometheusMetricsDefaults.prefix;
  if (typeof prefix !== 'string' || (prefix !== '' && !metricNamePattern.test(prefix))) {
    throw new InvalidOptionError('prefix', 'a string of letters, digits, `_` and `:` not starting with a digit', prefix);
  }
  const labels = options.labels ?? {};
  if (labels === null || typeof labels !== 'object')
    throw new InvalidOptionError('labels', 'an object of label names to string values', labels);
  for (const [name, value] of Object.entries(labels)) {
    if (!labelNamePattern.test(name) || name.startsWith('__') || reservedLabels.has(name)) {
      throw new InvalidOptionError(
        `labels.${name}`,
        'a Prometheus label name (letters, digits, `_`; not `le`, `operation` or starting with `__`)',
        name,
      );
    }
    if (typeof value !== 'string') throw new InvalidOptionError(`labels.${name}`, 'a string', value);
  }
  return Object.freeze({
    registry,
    prefix,
    labels: Object.freeze({ ...labels }),
    durationBuckets: buckets('durationBuckets', options.durationBuckets ?? prometheusMetricsDefaults.durationBuckets),
    parcelBuckets: buckets('parcelBuckets', options.parcelBuckets ?? prometheusMetricsDefaults.parcelBuckets),
    queueGauges: booleanOption('queueGauges', options.queueGauges, prometheusMetricsDefaults.queueGauges),
  });
}

function buckets(name: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidOptionError(name, 'a non-empty array of increasing positive numbers', value);
  let previous = 0;
  for (const bound of value as unknown[]) {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= previous) {
      throw new InvalidOptionError(name, 'a non-empty array of increasing positive numbers', value);
    }
    previous = bound;
  }
  return [...(value as number[])];
}
