import { describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import type { TraceCarrier } from '@conveyor/core';
import { migrate, migrationSql, PostgresError, PostgresSender, PostgresSource } from '../src/index.js';
import { never, openPool, openQueue, uniqueName } from './helpers.js';

const producerTrace: TraceCarrier = {
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'vendor=value',
};

describe('trace context (migration 2)', () => {
  it('a sender stores the trace it sent in; the source gives it back for each row, through a dead letter and a redrive', async () => {
    const queue = await openQueue();
    let current: TraceCarrier | undefined = producerTrace;
    const sender = queue.sender<{ n: number }>({ traceContext: () => current });
    await sender.sendBodies([{ n: 1 }, { n: 2 }]);
    current = undefined;
    await sender.sendBodies([{ n: 3 }]);
    const source = queue.source<{ n: number }>({ waitTime: 0, maxReceiveCount: 1, retryBackoff: false, logger: silentLogger });
    const messages = await source.get(never, { maxMessages: 10 });
    expect(messages.map((message) => [message.body.n, source.traceContext(message)])).toEqual([
      [1, producerTrace],
      [2, producerTrace],
      [3, undefined],
    ]);
    // The trace context is kept beside the message, not on it: it crosses to pool threads unchanged.
    expect(Object.keys(messages[0]!)).not.toContain('traceContext');
    // A failure at maxReceiveCount: to the dead letters, and back with its trace context.
    await source.release([messages[0]!], new Error('to the dead letters'));
    await source.cleanup(messages.slice(1));
    expect((await queue.deadLetters()).map((row) => row.id)).toEqual([messages[0]!.id]);
    expect(await source.redrive()).toBe(1);
    const [back] = await source.get(never, { maxMessages: 10 });
    expect(back?.body).toEqual({ n: 1 });
    expect(source.traceContext(back!)).toEqual(producerTrace);
    await source.cleanup([back!]);
  });

  it('tables made before migration 2 work as they are; a traced send says to migrate, and migrate() adds the column', async () => {
    const pool = openPool();
    const schema = uniqueName('conveyor_test').replaceAll('-', '_');
    const table = 'jobs';
    try {
      // A queue made by migration 1 alone, as an older version of the package (or your own tool) made it.
      const [first] = migrationSql({ schema, table });
      await pool.query(first!.sql);
      const plain = new PostgresSender<{ n: number }>({ pool, schema, table });
      const traced = new PostgresSender<{ n: number }>({ pool, schema, table, traceContext: () => producerTrace });
      await plain.sendBodies([{ n: 1 }]);
      const refusal = await traced.sendBodies([{ n: 2 }]).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(PostgresError);
      expect((refusal as Error).message).toMatch(/trace_context.*migrate\(\)/);
      const source = new PostgresSource<{ n: number }>({ pool, schema, table, waitTime: 0, logger: silentLogger });
      const [old] = await source.get(never, { maxMessages: 10 });
      expect(old?.body).toEqual({ n: 1 });
      expect(source.traceContext(old!)).toBeUndefined();
      await source.cleanup([old!]);
      await source.close();

      expect(await migrate({ pool, schema, table })).toEqual([2]);
      // The sender that refused looks at the catalog again before refusing: no restart needed.
      await traced.sendBodies([{ n: 3 }]);
      const after = new PostgresSource<{ n: number }>({ pool, schema, table, waitTime: 0, logger: silentLogger });
      const [fresh] = await after.get(never, { maxMessages: 10 });
      expect(fresh?.body).toEqual({ n: 3 });
      expect(after.traceContext(fresh!)).toEqual(producerTrace);
      await after.cleanup([fresh!]);
      await after.close();
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });

  it('a source reads only what it needs of the catalog: a body column of a domain type still consumes and redrives', async () => {
    const queue = await openQueue();
    await queue.pool.query(`CREATE DOMAIN "${queue.schema}".payload AS jsonb`);
    await queue.pool.query(`ALTER TABLE "${queue.schema}"."${queue.table}" ALTER COLUMN body TYPE "${queue.schema}".payload`);
    await queue.pool.query(`INSERT INTO "${queue.schema}"."${queue.table}" (body) VALUES ('{"n": 1}')`);
    const source = queue.source<{ n: number }>({ waitTime: 0, maxReceiveCount: 1, logger: silentLogger });
    const [message] = await source.get(never, { maxMessages: 10 });
    expect(message?.body).toEqual({ n: 1 });
    // Dead-lettered, then redriven: the redrive, too, reads only the trace columns.
    await source.release([message!], new Error('to the dead letters'));
    expect(await source.redrive()).toBe(1);
    const [back] = await source.get(never, { maxMessages: 10 });
    expect(back?.body).toEqual({ n: 1 });
    await source.cleanup([back!]);
  });
});
