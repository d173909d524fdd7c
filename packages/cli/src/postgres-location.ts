import { CliError } from './cli-error.js';
import { redact } from './redact.js';

/**
 * A Postgres queue table (`PostgresSource`):
 * `postgres://[user[:pass]@]host[:port]/<database>?table=jobs[&schema=public][&keyField=name]`.
 */
export interface PostgresLocation {
  readonly kind: 'postgres';
  /** The URL with its password hidden: the only form ever printed. */
  readonly display: string;
  /** What `pg` connects with: the URL without the CLI's own parameters (password included; never printed). */
  readonly connectionString: string;
  readonly schema: string;
  readonly table: string;
  /** `?keyField=`: `send` takes each line's ordering key from this top-level field. */
  readonly keyField: string | undefined;
}

// Parameters the CLI reads; the rest (sslmode, application_name...) go to pg.
const ownParameters = ['table', 'schema', 'keyField'];

/** Parses a `postgres:` / `postgresql:` source URL; throws a `CliError` (exit code 2) naming what is wrong. */
export function parsePostgresUrl(url: URL): PostgresLocation {
  const display = redact(url.href);
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new CliError('CLI_BAD_URL', `${display} has no host; expected postgres://user@host:5432/<database>?table=jobs`);
  }
  if (url.pathname.length <= 1)
    throw new CliError('CLI_BAD_URL', `${display} names no database; expected postgres://user@host:5432/<database>?table=jobs`);
  const table = url.searchParams.get('table') ?? 'jobs';
  const schema = url.searchParams.get('schema') ?? 'public';
  if (table === '' || schema === '') throw new CliError('CLI_BAD_URL', `?table= and ?schema= must not be empty in ${display}`);
  const connection = new URL(url.href);
  for (const name of ownParameters) connection.searchParams.delete(name);
  return {
    kind: 'postgres',
    display,
    connectionString: connection.href,
    schema,
    table,
    keyField: url.searchParams.get('keyField') ?? undefined,
  };
}
