import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { RabbitMqDeadLetterQueue, conveyorHeaders } from '../src/index.js';
import { Broker, rabbitUrl, uniqueName } from './helpers.js';

let broker: Broker;
let connection: ChannelModel;
const queues: string[] = [];

beforeAll(async () => {
  broker = await Broker.connect();
  connection = await amqp.connect(rabbitUrl);
  connection.on('error', () => {});
});
afterAll(async () => {
  for (const queue of queues) {
    await broker.deleteQueue(queue).catch(() => {});
    await broker.deleteQueue(`${queue}.dead`).catch(() => {});
  }
  await connection.close().catch(() => {});
  await broker.close();
});

/** A work queue and its `.dead` queue holding `count` dead letters as RabbitMqSource writes them. */
async function deadLetters(count: number): Promise<{ queue: string; bodies: string[] }> {
  const queue = uniqueName('conveyor-redrive');
  queues.push(queue);
  await broker.bindTo(queue, 'amq.direct', `${queue}-unused`);
  await broker.bindTo(`${queue}.dead`, 'amq.direct', `${queue}.dead-unused`);
  const bodies = Array.from({ length: count }, (_, n) => JSON.stringify({ n }));
  await broker.send(`${queue}.dead`, bodies, (index) => ({
    [conveyorHeaders.failures]: 10,
    [conveyorHeaders.lastError]: `Error: failed ${index}`,
    [conveyorHeaders.deadLetterReason]: 'max-receive-count',
    [conveyorHeaders.queue]: queue,
    tenant: `t${index % 3}`,
  }));
  return { queue, bodies };
}

describe('RabbitMqDeadLetterQueue: peek and redrive', () => {
  it('peeks without taking, then sends every dead letter back exactly once, starting over', async () => {
    const { queue, bodies } = await deadLetters(250);
    const dead = new RabbitMqDeadLetterQueue({ connection, queue });
    const peeked = await dead.peek(3);
    expect(peeked.map((letter) => letter.body.toString())).toEqual(bodies.slice(0, 3));
    expect(peeked[0]).toMatchObject({ receiveCount: 10, lastError: 'Error: failed 0', reason: 'max-receive-count' });
    expect(await broker.count(`${queue}.dead`)).toBe(250);

    expect(await dead.redrive({ limit: 120 })).toBe(120);
    expect(await broker.count(`${queue}.dead`)).toBe(130);
    expect(await dead.redrive()).toBe(130);
    expect(await broker.count(`${queue}.dead`)).toBe(0);

    const back = await broker.drain(queue);
    expect(back.map((message) => message.body).sort()).toEqual([...bodies].sort());
    for (const message of back) {
      expect(message.headers[conveyorHeaders.failures]).toBeUndefined();
      expect(message.headers[conveyorHeaders.lastError]).toBeUndefined();
      expect(message.headers.tenant).toMatch(/^t[012]$/);
    }
    expect(await dead.redrive()).toBe(0);
  });

  it('a missing work queue fails the redrive and leaves the dead letters where they are', async () => {
    const { queue } = await deadLetters(5);
    await broker.deleteQueue(queue);
    const dead = new RabbitMqDeadLetterQueue({ connection, queue });
    await expect(dead.redrive()).rejects.toThrow(/NOT_FOUND/);
    expect(await broker.count(`${queue}.dead`)).toBe(5);
  });
});
