import { afterAll } from 'vitest';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { delay, runShardedScenarios } from '@conveyor/conformance';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

// Redis reads time on the server (TIME, key expiry): its scenarios let real time pass.
runShardedScenarios('redis', async (options) => {
  const prefix = uniquePrefix('scenario');
  return {
    storage: new RedisStorage(redis, { prefix: `${prefix}s:` }),
    lock: new RedisLock(redis, { prefix: `${prefix}l:`, ...(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }) }),
    advance: delay,
    dispose: async () => void (await deleteByPrefix(redis, prefix)),
  };
});

// The same scenarios with the storage in 3 partitions (the layout a cluster spreads over its masters), on one Redis.
runShardedScenarios('redis, 3 partitions', async (options) => {
  const prefix = uniquePrefix('partitioned-scenario');
  return {
    storage: new RedisStorage(redis, { prefix: `${prefix}s:`, partitions: 3 }),
    lock: new RedisLock(redis, { prefix: `${prefix}l:`, ...(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }) }),
    advance: delay,
    dispose: async () => void (await deleteByPrefix(redis, prefix)),
  };
});
