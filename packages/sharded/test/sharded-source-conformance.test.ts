import { runSourceConformance } from '@conveyor/conformance';
import { silentLogger } from '@conveyor/core';
import { RequestHandler, MemoryLock, MemoryStorage, Queue, ShardedSource } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';

class Body extends RequestHandler<string> {
  handle(): void {}
}

runSourceConformance<ShardedMessage<string>>(
  'ShardedSource (memory)',
  async () => {
    const queue = new Queue(new MemoryStorage(), { requestHandlers: [Body] });
    const source = new ShardedSource<string>(queue, new MemoryLock({ timeout: 2_000 }), {
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
      dispose: async () => {},
    };
  },
  { redeliveryAfterMs: 400, ordered: true },
);
