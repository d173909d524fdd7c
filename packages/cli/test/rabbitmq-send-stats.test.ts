import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { uniqueName } from '@conveyor/conformance';
import { RabbitMqSource } from '@conveyor/rabbitmq';
import { cli, fixture, jsonEvents, jsonLines, killLeftovers, startCli } from './helpers.js';

const password = 'guest';
const rabbitUrl = process.env.RABBITMQ_URL ?? `amqp://guest:${password}@127.0.0.1:5672`;
const origin = rabbitUrl.replace(/\/+$/, '');
const display = origin.replace(/:[^:@/]*@/, ':***@');

let model: ChannelModel;
const queues: string[] = [];
beforeAll(async () => {
  model = await amqp.connect(rabbitUrl);
});
afterEach(killLeftovers);
afterAll(async () => {
  const channel = await model.createChannel();
  for (const queue of queues) {
    for (const name of [queue, `${queue}.dead`, `${queue}.retry.1`]) await channel.deleteQueue(name);
    await channel.deleteExchange(`${queue}.dead-letter`);
  }
  await model.close();
});

/** A queue as RabbitMqSource declares it (with its dead-letter queue). */
async function declared(prefix: string): Promise<string> {
  const queue = uniqueName(prefix);
  queues.push(queue);
  const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType: 'classic', logger: silentLogger });
  await source.inspect();
  await source.close();
  return queue;
}

describe('send and stats on RabbitMQ', () => {
  it('sends every line as a persistent JSON message and reports waiting, consumers, retries and dead letters', async () => {
    const queue = await declared('cli-orders');
    const url = `${origin}/%2F?queue=${queue}`;
    const values = Array.from({ length: 30 }, (_, n) => ({ order: n }));
    const sent = await cli(['send', url], { input: jsonLines(values) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`^sent 30 messages to ${escape(`${display}/%2F?queue=${queue}`)} in `));

    const channel = await model.createChannel();
    const first = await channel.get(queue, { noAck: true });
    expect(first && JSON.parse(first.content.toString())).toEqual({ order: 0 });
    expect(first && first.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2 });
    channel.sendToQueue(`${queue}.dead`, Buffer.from('dead 1'));
    await channel.close();

    const stats = await cli(['stats', url, '--json']);
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout)).toEqual({
      source: `${display}/%2F?queue=${queue}`,
      kind: 'rabbitmq',
      waiting: 29,
      deadLetters: 1,
      details: { consumers: 0, delayed: 0, deadLetterQueue: `${queue}.dead` },
    });
    // The path form names the same queue; the human view.
    const byPath = await cli(['stats', `${origin}/%2F/${queue}`]);
    expect(byPath.stdout).toContain('(RabbitMQ queue)');
    expect(byPath.stdout).toMatch(/waiting\s+29\n/);
    expect(byPath.stdout).toMatch(/dead letters\s+1\n/);
  });

  it('exit 4 for a queue that does not exist (send creates none), exit 2 for a URL without a queue', async () => {
    const missing = uniqueName('cli-missing');
    const stats = await cli(['stats', `${origin}/%2F?queue=${missing}`]);
    expect(stats.code).toBe(4);
    expect(stats.stderr).toBe(`conveyor: RabbitMQ queue "${missing}" does not exist in vhost "/"\n`);
    const send = await cli(['send', `${origin}//${missing}`], { input: jsonLines([{ a: 1 }]) });
    expect(send.code).toBe(4);
    expect(send.stderr).toContain('does not exist');

    const noQueue = await cli(['stats', `${origin}/%2F`]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain('must name one queue');
    expect(noQueue.stderr).not.toContain(`:${password}@`);
  });

  it('runs a consumer of a RabbitMQ queue with the queue as its lag, and drains on SIGINT', async () => {
    const queue = await declared('cli-run');
    const url = `${origin}/%2F?queue=${queue}`;
    expect((await cli(['send', url], { input: jsonLines(Array.from({ length: 40 }, (_, n) => ({ n }))) })).code).toBe(0);
    const running = startCli(['run', fixture('rabbitmq-consumer.js'), '--json', '--interval', '100', '--lag', url], {
      env: { RABBITMQ_URL: rabbitUrl, QUEUE: queue },
    });
    await running.waitForOutput(
      (stdout) => jsonEvents(stdout).some((event) => event.consumed === 40 && event.lagWaiting === 0),
      'all 40 consumed and the lag read',
    );
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(0);
    expect(jsonEvents(result.stdout).at(-1)).toMatchObject({
      event: 'stopped',
      received: 40,
      consumed: 40,
      failed: 0,
      lagWaiting: 0,
      lagDeadLetters: 0,
    });
    expect(result.stdout + result.stderr).not.toContain(`:${password}@`);
  });

  it('never prints the password: refused credentials, bad URLs, unreachable brokers', async () => {
    const secret = 'N0t-the-Pa55word';
    const wrong = origin.replace(/:[^:@/]*@/, `:${secret}@`);
    const refused = await cli(['stats', `${wrong}/%2F?queue=jobs`]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('refused the user name or password');
    const unreachable = await cli(['send', `amqp://guest:${secret}@127.0.0.1:1/%2F?queue=jobs`], { input: jsonLines([1]) });
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    const bad = await cli(['stats', `amqp://guest:${secret}@127.0.0.1:5672/a/b/c`]);
    expect(bad.code).toBe(2);
    const lag = await cli(['run', 'no-such-module.js', '--lag', `amqp://guest:${secret}@127.0.0.1:5672/%2F`]);
    expect(lag.code).toBe(2);
    for (const result of [refused, unreachable, bad, lag]) {
      expect(result.stderr).toContain('***');
      expect(result.stderr + result.stdout).not.toContain(secret);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
