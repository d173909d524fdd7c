import { PostgresSender } from '@conveyor/postgres';
import type { PostgresOutgoingMessage } from '@conveyor/postgres';
import { CliError } from '../cli-error.js';
import type { PostgresLocation } from '../postgres-location.js';
import { connectTimeoutMs, postgresFailure } from '../stats/postgres-inspector.js';
import type { JsonLine } from './json-line.js';
import type { Sender } from './sender.js';

/**
 * Inserts each line as one row of a Postgres queue table, in order: one INSERT
 * and one NOTIFY (in one transaction) per 1,000 lines, the parsed value as the
 * body (JSON text in a text or bytea column). `?keyField=name`: the row's
 * ordering key is the line's `name` field.
 */
export function openPostgresSender(location: PostgresLocation): Promise<Sender> {
  const sender = new PostgresSender<unknown>({
    connection: { connectionString: location.connectionString, connectionTimeoutMillis: connectTimeoutMs, max: 1 },
    schema: location.schema,
    table: location.table,
    bodyFormat: 'json',
  });
  return Promise.resolve({
    batchSize: 1000,
    async send(lines) {
      const messages = lines.map((line) => toMessage(line, location.keyField));
      try {
        await sender.send(messages);
      } catch (error) {
        throw postgresFailure(error, location);
      }
    },
    close: () => sender.close(),
  });
}

function toMessage(line: JsonLine, keyField: string | undefined): PostgresOutgoingMessage {
  if (keyField === undefined) return { body: line.value };
  const value = line.value;
  const key = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[keyField] : undefined;
  if (key === undefined || key === null) return { body: value };
  if ((typeof key !== 'string' || key === '') && typeof key !== 'number') {
    throw new CliError(
      'CLI_BAD_INPUT',
      `stdin line ${line.lineNumber}: its ${keyField} (?keyField=) must be a non-empty string or a number, got ${JSON.stringify(key)}`,
    );
  }
  return { body: value, key: String(key) };
}
