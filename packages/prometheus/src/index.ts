export { PrometheusMetrics } from './prometheus-metrics.js';
export type { PrometheusMetricsOptions, ResolvedPrometheusMetricsOptions } from './prometheus-metrics-options.js';
export { prometheusMetricsDefaults } from './prometheus-metrics-options.js';
export type { WatchedConsumer } from './watched-consumer.js';
export { serveMetrics } from './metrics-server.js';
export type { MetricsServer, MetricsServerOptions, HealthCheck } from './metrics-server.js';
export { MetricsServerError } from './metrics-server-error.js';
