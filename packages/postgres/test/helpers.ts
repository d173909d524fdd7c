import pg from 'pg';
import { onTestFinished } from 'vitest';
import { uniqueName } from '@conveyor/conformance';
import { migrate, PostgresSender, PostgresSource } from '../src/index.js';
import type { MigrateOptions, PostgresSenderOptions, PostgresSourceOptions } from '../src/index.js';

export { until, delay, uniqueName } from '@conveyor/conformance';

/** The shared test database (trust auth); tests make their own schema in it and drop it. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A pool on `url` whose idle-connection errors (a restart) are ignored, as an application's would be handled. */
export function openPool(url = databaseUrl, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

/** A queue in a schema of its own: sources and senders on it, and `dispose()` dropping all of it. */
export interface TestQueue {
  readonly url: string;
  readonly schema: string;
  readonly table: string;
  /** A pool for the test's own statements. */
  readonly pool: pg.Pool;
  source<B = unknown>(options?: Omit<PostgresSourceOptions, 'schema' | 'table'>): PostgresSource<B>;
  sender<B = unknown>(options?: Omit<PostgresSenderOptions, 'schema' | 'table'>): PostgresSender<B>;
  /** Rows of the queue table, by id. */
  rows(): Promise<
    Array<{ id: string; key: string | null; attempts: number; deliveries: number; last_error: string | null; done_at: Date | null }>
  >;
  deadLetters(): Promise<Array<{ id: string; attempts: number; last_error: string | null }>>;
  dispose(): Promise<void>;
}

/** Creates a queue table (by `migrate()`) in a fresh schema, dropped when the test finishes (passed or failed). */
export async function openQueue(
  options: Omit<MigrateOptions, 'pool' | 'connection' | 'schema' | 'table'> & { url?: string } = {},
): Promise<TestQueue> {
  const { url = databaseUrl, ...migrateOptions } = options;
  const schema = uniqueName('conveyor_test').replaceAll('-', '_');
  const table = 'jobs';
  const pool = openPool(url);
  await migrate({ ...migrateOptions, pool, schema, table });
  const closers: Array<() => Promise<void>> = [];
  const qualified = `"${schema}"."${table}"`;
  let disposed = false;
  const queue: TestQueue = {
    url,
    schema,
    table,
    pool,
    source<B>(sourceOptions: Omit<PostgresSourceOptions, 'schema' | 'table'> = {}) {
      const given = sourceOptions.pool === undefined && sourceOptions.connection === undefined ? { connection: url } : {};
      const source = new PostgresSource<B>({ ...given, ...sourceOptions, schema, table });
      closers.push(() => source.close());
      return source;
    },
    sender<B>(senderOptions: Omit<PostgresSenderOptions, 'schema' | 'table'> = {}) {
      const given = senderOptions.pool === undefined && senderOptions.connection === undefined ? { pool } : {};
      const sender = new PostgresSender<B>({ ...given, ...senderOptions, schema, table });
      closers.push(() => sender.close());
      return sender;
    },
    async rows() {
      return (
        await pool.query<Awaited<ReturnType<TestQueue['rows']>>[number]>(
          `SELECT id, key, attempts, deliveries, last_error, done_at FROM ${qualified} ORDER BY id`,
        )
      ).rows;
    },
    async deadLetters() {
      return (
        await pool.query<Awaited<ReturnType<TestQueue['deadLetters']>>[number]>(
          `SELECT id, attempts, last_error FROM "${schema}"."${table}_dead" ORDER BY id`,
        )
      ).rows;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const close of closers.splice(0).reverse()) await close().catch(() => {});
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => {});
      await pool.end();
    },
  };
  onTestFinished(() => queue.dispose());
  return queue;
}

/** A signal that never aborts. */
export const never = new AbortController().signal;
