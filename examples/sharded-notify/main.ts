// Run: node examples/sharded-notify/main.ts           (in memory)
//      node examples/sharded-notify/main.ts --redis   (on redis://127.0.0.1:6379, or REDIS_URL)
import { Redis } from 'ioredis';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { runNotifications } from './notify.ts';

if (process.argv.includes('--redis')) {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `example:notify:${process.pid}:`;
  try {
    const sent = await runNotifications({
      storage: new RedisStorage(redis, { prefix: `${prefix}s:` }),
      lock: new RedisLock(redis, { prefix: `${prefix}l:` }),
    });
    console.log(`${sent} notifications sent through Redis`);
  } finally {
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  }
} else {
  console.log(`${await runNotifications()} notifications sent`);
}
