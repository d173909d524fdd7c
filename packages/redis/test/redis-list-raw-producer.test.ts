import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { until } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import type { RedisListMessage } from '@conveyor/redis';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

describe('RedisListSource with producers that RPUSH raw bodies', () => {
  it('delivers raw bodies, in list order with those sent by send(), and acknowledges them', async () => {
    const source = sources.open();
    await redis.rpush(source.key, 'raw-1', 'raw-2');
    await source.send('sent-3');
    await redis.rpush(source.key, 'raw-4');
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => [message.body, message.receiveCount])).toEqual([
      ['raw-1', 1],
      ['raw-2', 1],
      ['sent-3', 1],
      ['raw-4', 1],
    ]);
    // Adopted: each raw body got an id and is stored once, like a sent one (in flight, in its lease).
    expect(new Set(delivered.map((message) => message.id)).size).toBe(4);
    expect(await redis.hlen(source.keys.bodies)).toBe(0);
    const delivery = delivered[0]!.receipt.split(':')[0]!;
    expect(await redis.hget(source.keys.leases, `${delivery}$`)).toBe('raw-1raw-2sent-3raw-4');
    await source.cleanup(delivered);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
    expect(await redis.exists(source.keys.list, source.keys.bodies, source.keys.leased, source.keys.leases)).toBe(0);
  });

  it('a raw body that failed keeps its id and its body across retries', async () => {
    const source = sources.open({ retryBackoff: false });
    await redis.rpush(source.key, 'raw');
    const [first] = await source.get(neverAborted);
    await source.release([first!], new Error('failed'));
    const [second] = await source.get(neverAborted);
    expect([second?.id, second?.body, second?.receiveCount]).toEqual([first?.id, 'raw', 2]);
    await source.cleanup([second!]);
    expect(await redis.exists(source.keys.bodies)).toBe(0);
  });

  it('a Consumer drains a raw producer exactly once, with failures retried', async () => {
    const source = sources.open({ retryBackoff: { baseMs: 10, capMs: 20 }, waitTime: 50 });
    const total = 1000;
    const bodies = Array.from({ length: total }, (_, n) => `raw-${n}`);
    for (let start = 0; start < total; start += 100) await redis.rpush(source.key, ...bodies.slice(start, start + 100));
    const consumed: string[] = [];
    const consumer = new Consumer<RedisListMessage>(source, {
      logger: silentLogger,
      maxPollers: 2,
      bulkSize: 16,
      handler(bulk) {
        for (const message of bulk) {
          if (message.receiveCount === 1 && Number(message.body.slice(4)) % 11 === 0) bulk.fail(message, new Error('first try'));
        }
      },
    });
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body)));
    await consumer.start();
    try {
      await until(() => consumed.length >= total, 20_000, 'every raw message consumed');
    } finally {
      await consumer.shutdown();
    }
    expect(consumed.sort()).toEqual([...bodies].sort());
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
    expect(await redis.exists(source.keys.list, source.keys.bodies, source.keys.leased, source.keys.leases, source.keys.delayed)).toBe(0);
  });
});
