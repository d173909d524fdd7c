import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, jsonLines, uniqueKey } from './helpers.js';

const server = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let connection: NatsConnection;
const streams: string[] = [];

/** A stream as a NatsSource creates it (`<stream>.>`, work-queue retention) with a durable pull consumer. */
async function createStream(label: string): Promise<string> {
  const stream = uniqueKey(label).replace(/[^A-Za-z0-9_-]/g, '_');
  streams.push(stream, `${stream}_dead_letters`);
  const jsm = await jetstreamManager(connection);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: 'workqueue' });
  await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: 'explicit' });
  await jsm.streams.add({ name: `${stream}_dead_letters`, subjects: [`dead-letters.${stream}.>`] });
  return stream;
}

beforeAll(async () => {
  connection = await connect({ servers: server });
});
afterAll(async () => {
  const jsm = await jetstreamManager(connection);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
  await connection.close();
});

describe('send and stats on a JetStream stream', () => {
  it('sends every JSON line in order, and stats counts what the consumer has waiting, in flight and dead-lettered', async () => {
    const stream = await createStream('nats-send');
    const values = Array.from({ length: 300 }, (_, n) => ({ n }));
    const url = `${server}/${stream}/workers`;
    const sent = await cli(['send', url], { input: jsonLines(values) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^sent 300 messages to nats:/);

    const jsm = await jetstreamManager(connection);
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect([first?.subject, first?.json()]).toEqual([`${stream}.messages`, { n: 0 }]);
    await jetstream(connection).publish(`dead-letters.${stream}.workers`, 'dead');

    const stats = await cli(['stats', url, '--json']);
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.stdout) as { oldestAgeMs?: number };
    expect(parsed).toMatchObject({ kind: 'nats', waiting: 300, inFlight: 0, deadLetters: 1 });
    // A work-queue stream keeps only what is not acknowledged: its first message is the oldest waiting.
    expect(parsed.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(parsed.oldestAgeMs).toBeLessThan(60_000);
    const human = await cli(['stats', `${server}/${stream}`]);
    expect(human.stdout).toContain('(JetStream stream)');
    expect(human.stdout).toMatch(/waiting\s+300\n/);
    expect(human.stdout).toMatch(/oldest\s+\d+ s\n/);
  });

  it('sends to ?subject=, and never prints a password', async () => {
    const stream = await createStream('nats-subject');
    const url = `nats://someone:s3cret-pass@127.0.0.1:${new URL(server).port || 4222}/${stream}/workers?subject=${stream}.orders.eu`;
    const sent = await cli(['send', url], { input: jsonLines([{ a: 1 }]) });
    expect(sent.code).toBe(0);
    expect(sent.stdout + sent.stderr).not.toContain('s3cret-pass');
    expect(sent.stdout).toContain('***');
    const jsm = await jetstreamManager(connection);
    expect((await jsm.streams.getMessage(stream, { seq: 1 }))?.subject).toBe(`${stream}.orders.eu`);

    const missing = await cli(['stats', url.replace(stream, `${stream}_nope`)]);
    expect(missing.code).toBe(4);
    expect(missing.stdout + missing.stderr).not.toContain('s3cret-pass');
  });

  it('refuses a URL without a stream (exit 2) and a subject no stream captures (exit 4)', async () => {
    const bad = await cli(['stats', `${server}/`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must name a stream');
    const stream = await createStream('nats-nostream');
    const lost = await cli(['send', `${server}/${stream}?subject=nowhere.at.all`], { input: jsonLines([1]) });
    expect(lost.code).toBe(4);
    expect(lost.stderr).toContain('No JetStream stream captures nowhere.at.all');
  });
});
