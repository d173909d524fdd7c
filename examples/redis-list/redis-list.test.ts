import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisListSource } from '@conveyor/redis';
import { runOrders } from './orders.ts';

describe('example: orders through a Redis list', () => {
  it('ships every order once, from send() and from a raw RPUSH, and dead-letters the poison one', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const key = `example-test:orders:${randomUUID().slice(0, 8)}`;
    try {
      const { shipped, deadLetters } = await runOrders(redis, key, 200);
      expect([...shipped].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, n) => n).filter((n) => n !== 7));
      expect(deadLetters.map((letter) => [JSON.parse(letter.body.toString()) as unknown, letter.receiveCount])).toEqual([
        [{ orderId: 7, quantity: -1 }, 3],
      ]);
      expect(deadLetters[0]?.error).toMatch(/RangeError: order 7: quantity -1$/);
    } finally {
      await new RedisListSource(redis, { key }).clear();
      await redis.quit();
    }
  });
});
