// Brings every public package's typings into the compilation (skipLibCheck is off), so each
// must compile under the project's module settings, and names one value of each.
import * as cli from '@conveyor/cli';
import * as core from '@conveyor/core';
import * as kit from '@conveyor/core/kit';
import * as file from '@conveyor/file';
import * as nats from '@conveyor/nats';
import * as opentelemetry from '@conveyor/opentelemetry';
import * as postgres from '@conveyor/postgres';
import * as prometheus from '@conveyor/prometheus';
import * as rabbitmq from '@conveyor/rabbitmq';
import * as redis from '@conveyor/redis';
import * as sharded from '@conveyor/sharded';
import * as sqs from '@conveyor/sqs';

/** One class or function of each package, as the program sees it at run time. */
export function everyPackage(): Record<string, unknown> {
  return {
    cli: cli.createProgram,
    core: core.Consumer,
    kit: kit.backoffDelay,
    file: file.FileSource,
    nats: nats.NatsSource,
    opentelemetry: opentelemetry.OpenTelemetryMetrics,
    postgres: postgres.PostgresSource,
    prometheus: prometheus.PrometheusMetrics,
    rabbitmq: rabbitmq.RabbitMqSource,
    redis: redis.RedisListSource,
    sharded: sharded.ShardedSource,
    sqs: sqs.SqsSource,
  };
}
