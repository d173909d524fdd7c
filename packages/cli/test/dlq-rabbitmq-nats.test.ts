import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@conveyor/conformance';
import { conveyorHeaders } from '@conveyor/rabbitmq';
import { cli, uniqueKey } from './helpers.js';

const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const natsServer = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let model: ChannelModel;
let nats: NatsConnection;
const queues: string[] = [];
const streams: string[] = [];

beforeAll(async () => {
  model = await amqp.connect(rabbitUrl);
  nats = await connect({ servers: natsServer });
});
afterAll(async () => {
  const channel = await model.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  await model.close();
  const jsm = await jetstreamManager(nats);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
  await nats.close();
});

describe('conveyor dlq on RabbitMQ', () => {
  it('lists <queue>.dead with the last errors and redrives every message once', async () => {
    const queue = uniqueName('cli-dlq');
    queues.push(queue, `${queue}.dead`);
    const channel = await model.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    await channel.assertQueue(`${queue}.dead`, { durable: true });
    for (let n = 0; n < 5; n++)
      channel.sendToQueue(`${queue}.dead`, Buffer.from(JSON.stringify({ n })), {
        persistent: true,
        messageId: `m${n}`,
        headers: { [conveyorHeaders.failures]: 3, [conveyorHeaders.lastError]: 'Error: out of stock' },
      });
    await channel.waitForConfirms();
    const url = `${rabbitUrl}/%2F?queue=${queue}`;
    const listed = await cli(['dlq', url]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(`5 dead letters in ${queue}.dead`);
    expect(listed.stdout).toContain('  m0  received 3×\n    error  Error: out of stock\n    body   {"n":0}');
    const redriven = await cli(['dlq', url, '--redrive']);
    expect(redriven.stdout).toMatch(/^sent 5 dead letters from .* back to amqp:\/\/guest:\*\*\*@.*; 0 left\n$/);
    expect((await channel.checkQueue(queue)).messageCount).toBe(5);
    await channel.close();
  });
});

describe('conveyor dlq on NATS JetStream', () => {
  it('lists the dead-letter subject and redrives each copy to its original subject', async () => {
    const stream = uniqueKey('dlq').replace(/[^A-Za-z0-9_-]/g, '_');
    streams.push(stream, `${stream}_dead_letters`);
    const jsm = await jetstreamManager(nats);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    await jsm.streams.add({ name: `${stream}_dead_letters`, subjects: [`dead-letters.${stream}.>`] });
    const js = jetstream(nats);
    for (let n = 0; n < 4; n++) {
      const copy = headers();
      copy.set('Conveyor-Stream', stream);
      copy.set('Conveyor-Sequence', String(n + 1));
      copy.set('Conveyor-Subject', `${stream}.jobs`);
      copy.set('Conveyor-Receive-Count', '5');
      copy.set('Conveyor-Error', 'Error: bad address');
      await js.publish(`dead-letters.${stream}.workers`, JSON.stringify({ n }), { headers: copy });
    }
    const url = `${natsServer}/${stream}/workers`;
    const listed = await cli(['dlq', url]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(`4 dead letters in dead-letters.${stream}.workers`);
    expect(listed.stdout).toMatch(
      new RegExp(`  ${stream}:1  received 5×, \\d+ s ago\\n    error  Error: bad address\\n    body   \\{"n":0\\}`),
    );
    const redriven = await cli(['dlq', url, '--redrive']);
    expect(redriven.stdout).toMatch(/^sent 4 dead letters from .* back to .*; 0 left\n$/);
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(4);
  });
});
