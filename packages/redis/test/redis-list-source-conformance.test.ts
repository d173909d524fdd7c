import { afterAll } from 'vitest';
import { runSourceConformance } from '@conveyor/conformance';
import { RedisListSource, deleteByPrefix } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

runSourceConformance<RedisListMessage>(
  'RedisListSource',
  async () => {
    const prefix = uniquePrefix('list-source');
    const source = new RedisListSource(redis, { key: `${prefix}jobs`, waitTime: 50, visibilityTimeout: 400 });
    return {
      source,
      send: (bodies) => source.send(...bodies),
      bodyOf: (message) => message.body,
      dispose: async () => void (await deleteByPrefix(redis, prefix)),
    };
  },
  { redeliveryAfterMs: 400, ordered: true },
);
