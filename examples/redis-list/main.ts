// node examples/redis-list/main.ts   (REDIS_URL, default redis://127.0.0.1:6379)
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisListSource } from '@conveyor/redis';
import { runOrders } from './orders.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const key = `example:orders:${randomUUID().slice(0, 8)}`;
try {
  const { shipped, deadLetters } = await runOrders(redis, key, 1000);
  console.log(`shipped ${shipped.length} orders; dead letters: ${deadLetters.length}`);
  for (const letter of deadLetters) console.log(`  ${letter.body.toString()} after ${letter.receiveCount} receives: ${letter.error}`);
} finally {
  await new RedisListSource(redis, { key }).clear();
  await redis.quit();
}
