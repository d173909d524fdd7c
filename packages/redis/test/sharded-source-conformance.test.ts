import { afterAll } from 'vitest';
import { runSourceConformance } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { RequestHandler, Queue, ShardedSource } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';
import { connect, uniquePrefix } from './redis-test-client.js';

class Body extends RequestHandler<string> {
  handle(): void {}
}

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

runSourceConformance<ShardedMessage<string>>(
  'ShardedSource (Redis tubes)',
  async () => {
    const prefix = uniquePrefix('sharded-source');
    const queue = new Queue(new RedisStorage(redis, { prefix: `${prefix}s:` }), { requestHandlers: [Body] });
    const source = new ShardedSource<string>(queue, new RedisLock(redis, { prefix: `${prefix}l:`, timeout: 2_000 }), {
      logger: silentLogger,
      waitTime: 50,
      visibilityTimeout: 400,
      // The suite fails one message after another on one thread: keep the retry holds short.
      retryBackoff: { baseMs: 20, capMs: 100 },
    });
    return {
      source,
      send: async (bodies) => void (await queue.registerMany(Body, bodies)),
      bodyOf: (message) => message.body,
      dispose: async () => void (await deleteByPrefix(redis, prefix)),
    };
  },
  { redeliveryAfterMs: 400, ordered: true },
);
