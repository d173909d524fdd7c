// The Redis list source as a source module, for the benchmark's poller-threads side: each
// poller thread builds its own ioredis client and RedisListSource from plain options.
import { Redis } from 'ioredis';
import { RedisListSource } from '@conveyor/redis';

/** The thread owns its client: it quits it when the source closes. */
class ThreadOwnedRedisListSource extends RedisListSource {
  async close() {
    await super.close();
    await this.redis.quit();
  }
}

export default function createRedisListSource(options) {
  return new ThreadOwnedRedisListSource(new Redis(options.url), { key: options.key, waitTime: 20 });
}
