import { afterAll, describe, expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { RedisListSource } from '@conveyor/redis';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

describe('RedisListSource leases under the consumer’s lease keeper', () => {
  it('visibility 2 s, 400 messages taken at once, ~25 ms of CPU each on 2 pool threads (~5 s of work): no redelivery', async () => {
    const source = new RedisListSource(redis, {
      key: `${uniquePrefix('lease')}jobs`,
      waitTime: 50,
      visibilityTimeout: 2_000,
      logger: silentLogger,
    });
    try {
      await source.send(...Array.from({ length: 400 }, (_, n) => String(n)));
      const receiveCounts: number[] = [];
      const consumer = new Consumer(source, {
        logger: silentLogger,
        handlerModule: new URL('./fixtures/busy-handler.js', import.meta.url),
        maxHandlers: 2,
        maxPollers: 1,
        bulkSize: 1,
        maxInFlight: 400,
      });
      consumer.on('consumed', (messages) => messages.forEach((message) => receiveCounts.push(message.receiveCount)));
      await consumer.start();
      const deadline = Date.now() + 60_000;
      while (receiveCounts.length < 400 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await consumer.shutdown();
      expect(receiveCounts).toHaveLength(400);
      expect(receiveCounts.filter((count) => count > 1)).toEqual([]);
      expect((await source.inspect()).inFlight).toBe(0);
    } finally {
      await source.clear();
    }
  });
});
