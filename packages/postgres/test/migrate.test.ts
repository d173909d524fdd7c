import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { migrate, migrationSql, PostgresError, PostgresSender, PostgresSource } from '../src/index.js';
import { never, openPool, uniqueName } from './helpers.js';

describe('migrate()', () => {
  it('creates the queue once, under any name (quoted, never spliced), and says what it applied', async () => {
    const pool = openPool();
    const schema = uniqueName('conveyor test "schema"');
    const table = `jobs"; DROP TABLE x; --`;
    try {
      const [first, second] = await Promise.all([migrate({ pool, schema, table }), migrate({ pool, schema, table })]);
      // Concurrent starts: the advisory lock lets one apply, the other finds it done.
      expect([first, second].sort()).toEqual([[], [1, 2]]);
      expect(await migrate({ pool, schema, table })).toEqual([]);
      const sender = new PostgresSender<{ ok: boolean }>({ pool, schema, table });
      await sender.sendBodies([{ ok: true }]);
      const source = new PostgresSource<{ ok: boolean }>({ pool, schema, table, waitTime: 0, logger: silentLogger });
      const [message] = await source.get(never, { maxMessages: 1 });
      expect(message?.body).toEqual({ ok: true });
      await source.cleanup([message!]);
      await source.close();
      const tables = await pool.query<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [
        schema,
      ]);
      expect(tables.rows.map((row) => row.name)).toEqual(['conveyor_migrations', table, `${table}_dead`]);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
      await pool.end();
    }
  });

  it('migrationSql() gives the SQL it runs, the psql file rendered with quoted names', () => {
    const [migration] = migrationSql({ schema: 'app', table: "it's", bodyFormat: 'buffer' });
    expect(migration).toMatchObject({ version: 1, name: '001-create-queue.sql' });
    expect(migration?.sql).toContain(`CREATE TABLE "app"."it's" (`);
    expect(migration?.sql).toContain('body         bytea NOT NULL');
    expect(migration?.sql).toContain(`CREATE TABLE "app"."it's_dead" (`);
    expect(migration?.sql).toContain(`VALUES ('it''s', 1);`);
    expect(migration?.sql).not.toMatch(/^\\/m);
    // The file itself is psql's: variables and \set lines.
    const file = readFileSync(new URL('../sql/001-create-queue.sql', import.meta.url), 'utf8');
    expect(file).toContain('CREATE TABLE :"schema".:"table" (');
    expect(() => migrationSql({ bodyType: 'int' as never })).toThrow(/bodyType/);
  });

  it('a source on a table that does not exist rejects with POSTGRES_NO_TABLE, naming migrate()', async () => {
    const source = new PostgresSource({
      connection: 'postgres://postgres@127.0.0.1:5432/test',
      table: uniqueName('missing'),
      waitTime: 0,
      logger: silentLogger,
    });
    const rejection = await source.get(never).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(PostgresError);
    expect(rejection).toMatchObject({ code: 'POSTGRES_NO_TABLE', operation: 'claim', retryable: false });
    expect((rejection as Error).message).toMatch(/migrate\(\)/);
    await source.close();
  });
});
