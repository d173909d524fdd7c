import { afterAll } from 'vitest';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { runShardedScenarios } from '@conveyor/conformance';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

runShardedScenarios('redis', async (options) => {
  const prefix = uniquePrefix('scenario');
  return {
    storage: new RedisStorage(redis, { prefix: `${prefix}s:` }),
    lock: new RedisLock(redis, { prefix: `${prefix}l:`, ...(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }) }),
    dispose: async () => void (await deleteByPrefix(redis, prefix)),
  };
});
