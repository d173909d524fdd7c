export { OpenTelemetryMetrics } from './open-telemetry-metrics.js';
export type { OpenTelemetryMetricsOptions, ResolvedOpenTelemetryMetricsOptions } from './open-telemetry-metrics-options.js';
export { openTelemetryMetricsDefaults } from './open-telemetry-metrics-options.js';
export type { WatchedConsumer } from './watched-consumer.js';
export { bulkContext, withBulkContext, tracedHandler } from './bulk-context.js';
export type { TracedBulk } from './bulk-context.js';
export { currentTraceContext } from './current-trace-context.js';
export { toTraceCarrier, spanContextOf } from './traceparent.js';
