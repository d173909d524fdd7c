import { expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { NatsDeadLetterStream, NatsSender, NatsSource } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName, until } from './helpers.js';

it('dead letters are peeked without change, then redriven to their subject exactly once each, and the dead-letter subject is empty', async () => {
  const connection = await connectNats();
  const stream = uniqueName('redrive');
  const source = new NatsSource<string>({
    connection,
    stream,
    consumer: 'workers',
    maxReceiveCount: 1,
    maxWait: 1000,
    logger: silentLogger,
  });
  try {
    await source.bind();
    const bodies = Array.from({ length: 12 }, (_, n) => `job-${n}`);
    await new NatsSender({ connection, subject: `${stream}.jobs` }).sendBatch(bodies);
    // First run: everything fails once and is dead-lettered (maxReceiveCount 1).
    let healthy = false;
    const consumed: string[] = [];
    const consumer = new Consumer(source, {
      logger: silentLogger,
      maxPollers: 1,
      bulkSize: 4,
      handler(bulk) {
        for (const message of bulk) {
          if (!healthy) throw new Error(`not yet: ${message.body}`);
          consumed.push(message.body);
        }
      },
    });
    await consumer.start();
    const dead = new NatsDeadLetterStream({ connection, subject: source.options.deadLetter.subject });
    await until(async () => (await dead.count()) === 12, 15_000, 'all 12 dead-lettered');

    const peeked = await dead.peek(5);
    // The oldest five, in the order they were dead-lettered (bulks dead-letter their messages concurrently).
    const peekedBodies = peeked.map((letter) => new TextDecoder().decode(letter.body));
    expect(new Set(peekedBodies).size).toBe(5);
    for (const [index, letter] of peeked.entries()) {
      expect(bodies).toContain(peekedBodies[index]);
      expect(letter).toMatchObject({ subject: `${stream}.jobs`, receiveCount: 1, lastError: `Error: not yet: ${peekedBodies[index]}` });
    }
    expect(peeked.map((letter) => letter.sequence)).toEqual([...peeked.map((letter) => letter.sequence)].sort((a, b) => a - b));
    expect(await dead.count()).toBe(12);

    healthy = true;
    expect(await dead.redrive({ limit: 5 })).toBe(5);
    expect(await dead.count()).toBe(7);
    expect(await dead.redrive()).toBe(7);
    expect(await dead.count()).toBe(0);
    await until(() => consumed.length === 12, 15_000, 'the 12 redriven messages consumed');
    await consumer.shutdown();
    expect([...consumed].sort()).toEqual([...bodies].sort());
    expect(await dead.redrive()).toBe(0);
  } finally {
    await deleteStreams(connection, stream, source.options.deadLetter.stream);
    await connection.close();
  }
});
