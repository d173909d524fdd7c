import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { PostgresSender, PostgresSource, postgresSourceDefaults, queueTable } from '../src/index.js';

const connection = 'postgres://postgres@127.0.0.1:5432/test';

describe('options', () => {
  it('fills the defaults and keeps the pool closed until used', async () => {
    const source = new PostgresSource({ connection });
    const { schema, table, ...defaults } = postgresSourceDefaults;
    expect(source.options).toMatchObject({ ...defaults, queue: { schema, table }, maxReceiveCount: 10 });
    expect(source.queue.qualified).toBe('"public"."jobs"');
    expect(source.leaseDuration()).toBe(30_000);
    await source.close();
  });

  it('rejects bad values, quoting them', () => {
    expect(() => new PostgresSource({ connection, maxMessages: 0 })).toThrow(
      'Expected `maxMessages` to be an integer from 1 to 10000, got `0` (number)',
    );
    expect(() => new PostgresSource({ connection, visibilityTimeout: 0 })).toThrow(/visibilityTimeout/);
    expect(() => new PostgresSource({ connection, bodyFormat: 'xml' as never })).toThrow(/'json' or 'text' or 'buffer'/);
    expect(() => new PostgresSource({ connection, consumed: 'archive' as never })).toThrow(/consumed/);
    expect(() => new PostgresSource({})).toThrow(/a pg Pool, or a `connection` instead/);
    expect(() => new PostgresSource({ connection, table: 'x'.repeat(52) })).toThrow(InvalidOptionError);
    expect(() => new PostgresSource({ connection, retryBackoff: { baseMs: -1 } })).toThrow(/retryBackoff.baseMs/);
  });

  it('tells pg-boss and graphile-worker users the name to use', () => {
    expect(() => new PostgresSource({ connection, batchSize: 10 } as never)).toThrow(/did you mean `maxMessages`/);
    expect(() => new PostgresSource({ connection, retryLimit: 3 } as never)).toThrow(/maxReceiveCount \(retries \+ 1/);
    expect(() => new PostgresSource({ connection, expireInSeconds: 60 } as never)).toThrow(/visibilityTimeout \(milliseconds/);
    expect(() => new PostgresSource({ connection, maxAttempts: 5 } as never)).toThrow(/did you mean `maxReceiveCount`/);
    expect(() => new PostgresSource({ connection, tabel: 'jobs' } as never)).toThrow(/did you mean `table`/);
    expect(() => new PostgresSender({ connection, batchSize: 10 } as never)).toThrow(/maxMessages/);
  });

  it('quotes names and derives the NOTIFY channel, hashed when too long', () => {
    expect(queueTable('app', 'my "jobs"')).toMatchObject({
      qualified: '"app"."my ""jobs"""',
      qualifiedDead: '"app"."my ""jobs""_dead"',
      channel: 'conveyor:app.my "jobs"',
    });
    const long = queueTable('s'.repeat(40), 't'.repeat(40));
    expect(long.channel).toMatch(/^conveyor:[0-9a-f]{40}$/);
  });
});
