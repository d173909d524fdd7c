import { afterAll } from 'vitest';
import { runSourceConformance } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisListSource } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';
import { connect, uniquePrefix } from './redis-test-client.js';

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

runSourceConformance<RedisListMessage>(
  'RedisListSource',
  async () => {
    const source = new RedisListSource(redis, {
      key: `${uniquePrefix('list-source')}jobs`,
      waitTime: 50,
      visibilityTimeout: 400,
      retryBackoff: { baseMs: 50, capMs: 200 },
      logger: silentLogger,
    });
    return {
      source,
      send: async (bodies) => void (await source.send(...bodies)),
      bodyOf: (message) => message.body,
      dispose: () => source.clear(),
      deadLetterCount: async () => (await source.inspect()).deadLetters ?? 0,
    };
  },
  { redeliveryAfterMs: 400, ordered: true, minRetryDelayMs: 25 },
);
