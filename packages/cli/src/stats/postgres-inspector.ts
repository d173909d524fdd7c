import { silentLogger } from '@conveyor/core';
import { PostgresError, PostgresSource } from '@conveyor/postgres';
import { CliError } from '../cli-error.js';
import { networkErrorCode, oneLine } from '../describe-error.js';
import type { PostgresLocation } from '../postgres-location.js';
import type { QueueInspector, QueueStats } from './queue-stats.js';

/** Connecting gives up after this long (an unreachable host would otherwise hang the command). */
export const connectTimeoutMs = 5_000;

/** A source for a one-shot CLI command on `location`: one connection, no LISTEN, quiet. */
export function toolSource(location: PostgresLocation): PostgresSource {
  return new PostgresSource({
    connection: { connectionString: location.connectionString, connectionTimeoutMillis: connectTimeoutMs, max: 1 },
    schema: location.schema,
    table: location.table,
    listen: false,
    logger: silentLogger,
  });
}

/**
 * Reads a Postgres queue table with `PostgresSource.inspect()`: one read-only
 * pass over the table (waiting, in flight, delayed, done) and a count of
 * `<table>_dead`. Opens no LISTEN connection.
 */
export function openPostgresInspector(location: PostgresLocation): Promise<QueueInspector> {
  const source = toolSource(location);
  return Promise.resolve({
    async read(): Promise<QueueStats> {
      try {
        const depth = await source.inspect();
        const details: Record<string, number | string> = { table: source.queue.display, delayed: depth.delayed, done: depth.done };
        return {
          source: location.display,
          kind: 'postgres',
          waiting: depth.waiting,
          inFlight: depth.inFlight,
          deadLetters: depth.deadLetters,
          oldestAgeMs: depth.oldestAgeMs,
          details,
        };
      } catch (error) {
        throw postgresFailure(error, location);
      }
    },
    close: () => source.close(),
  });
}

/** A one-line CliError for a failed statement; the message never holds the password (pg's messages do not). */
export function postgresFailure(error: unknown, location: PostgresLocation): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof PostgresError && error.code === 'POSTGRES_NO_TABLE') {
    return new CliError(
      'CLI_QUEUE_NOT_FOUND',
      `No queue table ${location.schema}.${location.table} at ${location.display}; create it with migrate() from @conveyor/postgres (or psql -f its sql/ files)`,
      { cause: error },
    );
  }
  const network = networkErrorCode(error);
  const why = network ?? oneLine(error instanceof PostgresError && error.cause !== undefined ? error.cause : error);
  return new CliError('CLI_UNREACHABLE', `PostgreSQL at ${location.display} failed: ${why}`, { cause: error });
}
