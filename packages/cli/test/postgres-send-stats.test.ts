import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { migrate, PostgresSource } from '@conveyor/postgres';
import { cli, jsonLines, uniqueKey } from './helpers.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniqueKey('pg').replace(/[^a-z0-9]+/g, '_');
let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await migrate({ pool, schema, table: 'jobs' });
  await migrate({ pool, schema, table: 'notes', bodyFormat: 'text' });
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

const url = (table: string, extra = ''): string => `${databaseUrl}?schema=${schema}&table=${table}${extra}`;

describe('send and stats on a Postgres queue table', () => {
  it('sends every JSON line in order (keys from ?keyField=), and stats counts waiting, in flight and dead letters', async () => {
    const values = Array.from({ length: 120 }, (_, n) => ({ n, customer: `c${n % 3}` }));
    const sent = await cli(['send', url('jobs', '&keyField=customer')], { input: jsonLines(values) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^sent 120 messages to postgres:\/\/postgres@127\.0\.0\.1:5432\/test\?schema=/);
    const rows = await pool.query<{ key: string; body: { n: number } }>(`SELECT key, body FROM "${schema}".jobs ORDER BY id`);
    expect(rows.rows.map((row) => row.body)).toEqual(values);
    expect(rows.rows.map((row) => row.key)).toEqual(values.map((value) => value.customer));

    // A consumer holds the head of each key; one head fails for good.
    const source = new PostgresSource<{ n: number }>({
      pool,
      schema,
      table: 'jobs',
      maxReceiveCount: 1,
      waitTime: 0,
      logger: silentLogger,
    });
    const held = await source.get(new AbortController().signal, { maxMessages: 10 });
    expect(held.map((message) => message.body.n)).toEqual([0, 1, 2]);
    await source.release([held[0]!], new Error('poison'));

    const stats = await cli(['stats', url('jobs'), '--json']);
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout)).toMatchObject({
      kind: 'postgres',
      waiting: 117,
      inFlight: 2,
      deadLetters: 1,
      oldestAgeMs: expect.any(Number) as number,
      details: { table: `${schema}.jobs`, delayed: 0, done: 0 },
    });
    const human = await cli(['stats', url('jobs')]);
    expect(human.stdout).toContain('(PostgreSQL queue table)');
    expect(human.stdout).toMatch(/waiting\s+117\n/);
    expect(human.stdout).toMatch(/oldest\s+\d+ s\n/);
    await source.close();
  });

  it('writes the JSON text into a text column', async () => {
    const sent = await cli(['send', url('notes')], { input: '{"a": 1}\n"plain"\n' });
    expect(sent.code).toBe(0);
    const rows = await pool.query<{ body: string }>(`SELECT body FROM "${schema}".notes ORDER BY id`);
    expect(rows.rows.map((row) => row.body)).toEqual(['{"a":1}', '"plain"']);
  });

  it('never prints the password; a missing table and a dead server are one line with exit code 4', async () => {
    const withPassword = databaseUrl.replace('postgres@', 'postgres:s3cret-pw@');
    const missing = await cli(['stats', `${withPassword}?schema=${schema}&table=nope`]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(
      /^conveyor: No queue table .*\.nope at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/test.* create it with migrate\(\)/,
    );
    expect(missing.stderr).not.toContain('s3cret-pw');

    const down = await cli(['send', 'postgres://someone:s3cret-pw@127.0.0.1:1/test?table=jobs'], { input: '{"a":1}\n' });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(
      /^conveyor: PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/test\?table=jobs failed: ECONNREFUSED/,
    );
    expect(down.stderr + down.stdout).not.toContain('s3cret-pw');

    const bad = await cli(['stats', 'postgres://127.0.0.1:5432/']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/names no database/);
  });
});
