export { OpenTelemetryMetrics } from './open-telemetry-metrics.js';
export type { OpenTelemetryMetricsOptions, ResolvedOpenTelemetryMetricsOptions } from './open-telemetry-metrics-options.js';
export { openTelemetryMetricsDefaults } from './open-telemetry-metrics-options.js';
export type { WatchedConsumer } from './watched-consumer.js';
