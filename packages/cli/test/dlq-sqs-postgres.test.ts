import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { startSqsServer } from '@conveyor/conformance';
import type { SqsTestServer } from '@conveyor/conformance';
import { migrate, PostgresSender, PostgresSource } from '@conveyor/postgres';
import { cli, uniqueKey } from './helpers.js';

let server: SqsTestServer;
let pool: pg.Pool;
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniqueKey('dlq').replace(/[^a-z0-9]+/g, '_');

beforeAll(async () => {
  server = await startSqsServer();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await migrate({ pool, schema, table: 'jobs' });
});
afterAll(async () => {
  await server.stop();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

describe('conveyor dlq on SQS', () => {
  it('finds the dead-letter queue from the redrive policy, peeks, and redrives to the source queue', async () => {
    const client = server.client;
    const { QueueUrl: dlqUrl } = await client.send(new CreateQueueCommand({ QueueName: 'cli-dlq-dead' }));
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const { QueueUrl: queueUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: 'cli-dlq-main',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 3 }) },
      }),
    );
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: Array.from({ length: 10 }, (_, n) => ({
          Id: String(n),
          MessageBody: `{"n":${n}}`,
          MessageAttributes: { ConveyorError: { DataType: 'String', StringValue: 'Error: card declined' } },
        })),
      }),
    );
    const url = `sqs://127.0.0.1:${server.port}/000000000000/cli-dlq-main`;
    const listed = await cli(['dlq', url, '--limit', '3']);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(`10 dead letters in cli-dlq-dead  (${url})`);
    expect(listed.stdout).toMatch(/received \d+×, \d+ s ago\n {4}error {2}Error: card declined\n {4}body {3}\{"n":\d\}/);
    const redriven = await cli(['dlq', url, '--redrive']);
    expect(redriven.stderr).toBe('');
    expect(redriven.stdout).toBe(`sent 10 dead letters from cli-dlq-dead back to ${url}; 0 left\n`);
    const bodies: string[] = [];
    for (;;) {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
      );
      if (Messages === undefined || Messages.length === 0) break;
      bodies.push(...Messages.map((message) => message.Body ?? ''));
    }
    expect(bodies.sort()).toEqual(Array.from({ length: 10 }, (_, n) => `{"n":${n}}`).sort());
  });

  it('a queue without a dead-letter queue says how to name one', async () => {
    await server.client.send(new CreateQueueCommand({ QueueName: 'cli-dlq-none' }));
    const result = await cli(['dlq', `sqs://127.0.0.1:${server.port}/000000000000/cli-dlq-none`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('has no dead-letter queue: it has no redrive policy; name the one');
  });
});

describe('conveyor dlq on a Postgres queue table', () => {
  it('lists <table>_dead with the last errors and redrives the oldest N, then the rest', async () => {
    await new PostgresSender({ pool, schema, table: 'jobs' }).sendBodies(Array.from({ length: 6 }, (_, n) => ({ n })));
    const source = new PostgresSource<{ n: number }>({
      pool,
      schema,
      table: 'jobs',
      maxReceiveCount: 1,
      waitTime: 0,
      logger: silentLogger,
    });
    const held = await source.get(new AbortController().signal, { maxMessages: 10 });
    await source.release(held, new Error('schema mismatch'));
    const url = `${databaseUrl}?schema=${schema}&table=jobs`;
    const listed = await cli(['dlq', url]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(`6 dead letters in ${schema}.jobs_dead`);
    expect(listed.stdout).toMatch(/received 1×, \d+ s ago\n {4}error {2}Error: schema mismatch\n {4}body {3}\{"n":0\}/);
    expect((await cli(['dlq', url, '--redrive', '--limit', '2'])).stdout).toMatch(/^sent 2 dead letters from .* back to .*; 4 left\n$/);
    expect((await cli(['dlq', url, '--redrive'])).stdout).toMatch(/^sent 4 dead letters .*; 0 left\n$/);
    const rows = await pool.query<{ body: { n: number } }>(`SELECT body FROM "${schema}".jobs ORDER BY id`);
    expect(rows.rows.map((row) => row.body.n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".jobs_dead`)).rows[0]).toEqual({ n: 0 });
  });
});
