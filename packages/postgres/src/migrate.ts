import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { InvalidOptionError } from '@conveyor/core';
import { oneOf, optionsObject } from '@conveyor/core/kit';
import type { BodyColumnType, BodyFormat } from './body-codec.js';
import { defaultColumnType } from './body-codec.js';
import { PostgresError } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { ConnectionOptions } from './postgres-source-options.js';
import { migrationHints, resolveConnectionOptions } from './postgres-source-options.js';
import { quoteIdentifier, quoteLiteral } from './queue-table.js';
import type { QueueTable } from './queue-table.js';

/** Options of `migrate()` and `migrationSql()`. */
export interface MigrateOptions extends ConnectionOptions {
  /** The format the queue's bodies will be sent in: picks the body column's type. @default 'json' */
  bodyFormat?: BodyFormat;
  /** The body column's type, when not the format's own (jsonb for 'json', text for 'text', bytea for 'buffer'). */
  bodyType?: BodyColumnType;
}

/** One migration shipped in the package's `sql/` folder. */
export interface Migration {
  readonly version: number;
  /** The file name (`001-create-queue.sql`). */
  readonly name: string;
  /** The SQL with the queue's names quoted in: what `migrate()` runs. */
  readonly sql: string;
}

const sqlFolder = new URL('../sql/', import.meta.url);

/**
 * The package's migrations for one queue, as SQL you can read or hand to your
 * own migration tool (each inserts its row into `<schema>.conveyor_migrations`).
 * The files themselves run in psql: `-v schema=... -v table=... -v body_type=...`.
 */
export function migrationSql(options: MigrateOptions = {}): Migration[] {
  const { queue, bodyType } = resolveMigrateOptions(options, true);
  return readdirSync(sqlFolder)
    .filter((name) => /^\d+-.+\.sql$/.test(name))
    .sort()
    .map((name) => ({
      version: Number.parseInt(name, 10),
      name,
      sql: renderPsql(readFileSync(new URL(name, sqlFolder), 'utf8'), { schema: queue.schema, table: queue.table, body_type: bodyType }),
    }));
}

/**
 * Creates or upgrades the queue's tables: runs, in one transaction under an
 * advisory lock (so concurrent starts do not race), the migrations this queue
 * has not had yet. Returns the versions it applied (`[]`: up to date).
 */
export async function migrate(options: MigrateOptions): Promise<number[]> {
  const { pool: given, connection, queue } = resolveMigrateOptions(options, false);
  const pool: Pool = given ?? new pg.Pool(typeof connection === 'string' ? { connectionString: connection } : connection);
  const migrations = migrationSql(options);
  let client: PoolClient | undefined;
  try {
    client = await pool.connect();
    await client.query('BEGIN');
    await client.query({ text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`conveyor.migrate:${queue.display}`] });
    const done = await appliedVersions(client, queue);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client?.query('ROLLBACK').catch(() => {});
    throw toPostgresError(error, 'migrate', queue.display);
  } finally {
    client?.release();
    if (given === undefined) await pool.end();
  }
}

async function appliedVersions(client: PoolClient, queue: QueueTable): Promise<Set<number>> {
  const table = `${quoteIdentifier(queue.schema)}.conveyor_migrations`;
  const exists = await client.query<{ found: string | null }>({ text: 'SELECT to_regclass($1)::text AS found', values: [table] });
  if (exists.rows[0]?.found == null) return new Set();
  const rows = await client.query<{ version: number }>({
    text: `SELECT version FROM ${table} WHERE queue_table = $1`,
    values: [queue.table],
  });
  return new Set(rows.rows.map((row) => row.version));
}

function resolveMigrateOptions(
  options: MigrateOptions,
  connectionOptional: boolean,
): ReturnType<typeof resolveConnectionOptions> & { bodyType: BodyColumnType } {
  const given = optionsObject(
    options,
    ['pool', 'connection', 'schema', 'table', 'bodyFormat', 'bodyType'],
    migrationHints,
  ) as MigrateOptions;
  const bodyFormat = oneOf('bodyFormat', given.bodyFormat, ['json', 'text', 'buffer'], 'json');
  const bodyType = oneOf('bodyType', given.bodyType, ['jsonb', 'json', 'text', 'bytea'], defaultColumnType[bodyFormat]);
  return { ...resolveConnectionOptions(given, connectionOptional), bodyType };
}

/**
 * Renders a migration file written for psql: `\set name :other 'text'` lines
 * define variables (psql joins the parts), `:"name"` is an identifier, `:'name'`
 * a literal, `:name` the value as is (only `body_type`, checked against a list).
 */
export function renderPsql(source: string, given: Readonly<Record<string, string>>): string {
  const variables = new Map(Object.entries(given));
  const lines: string[] = [];
  for (const line of source.split('\n')) {
    const set = /^\\set\s+(\w+)\s+(.*)$/.exec(line);
    if (set !== null) {
      variables.set(set[1] as string, joinSetParts(set[2] as string, variables));
      continue;
    }
    if (line.startsWith('\\'))
      throw new PostgresError('POSTGRES_QUERY', `unsupported psql command in a migration: ${line}`, { operation: 'migrate' });
    lines.push(line);
  }
  return lines.join('\n').replace(/(?<![:\w]):(?:"(\w+)"|'(\w+)'|(\w+))/g, (match, identifier?: string, literal?: string, raw?: string) => {
    const name = identifier ?? literal ?? raw ?? '';
    const value = variables.get(name);
    if (value === undefined)
      throw new PostgresError('POSTGRES_QUERY', `a migration uses the undefined variable ${match}`, { operation: 'migrate' });
    if (identifier !== undefined) return quoteIdentifier(value);
    if (literal !== undefined) return quoteLiteral(value);
    if (name !== 'body_type') throw new InvalidOptionError(name, 'a variable used as an identifier or a literal', value);
    return value;
  });
}

/** `:table '_dead'` → the value of `table` followed by `_dead`. */
function joinSetParts(parts: string, variables: ReadonlyMap<string, string>): string {
  let value = '';
  for (const [, variable, quoted] of parts.matchAll(/:(\w+)|'([^']*)'/g)) {
    value += variable === undefined ? (quoted ?? '') : (variables.get(variable) ?? '');
  }
  return value;
}
