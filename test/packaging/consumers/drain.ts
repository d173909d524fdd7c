// What the ESM and CommonJS consumers of the pack-and-install test do: drains a few messages from a
// MemorySource on pool threads (the handler module given) and from a Redis list inline.
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import type { MemoryMessage } from '@conveyor/core';
import { RedisListSource } from '@conveyor/redis';
import type { RedisListMessage } from '@conveyor/redis';
import { Redis } from 'ioredis';

/** What the consumer prints as its last line, for the test to read. */
export interface DrainResult {
  readonly memory: number[];
  readonly redis: number[];
  /** The packages whose main class or function loaded. */
  readonly packages: string[];
}

export async function drainMemory(handlerModule: string | URL): Promise<number[]> {
  const source = new MemorySource<{ n: number }>();
  source.sendMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
  const consumed: number[] = [];
  const consumer = new Consumer<MemoryMessage<{ n: number }>>(source, { handlerModule, maxHandlers: 1, logger: silentLogger });
  consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body.n)));
  await consumer.start();
  await source.drained();
  await consumer.shutdown();
  return consumed.sort();
}

export async function drainRedis(url: string, key: string): Promise<number[]> {
  const redis = new Redis(url);
  try {
    const source = new RedisListSource<{ n: number }>(redis, { key, bodyFormat: 'json', waitTime: 50 });
    await source.send(...[1, 2, 3, 4].map((n) => JSON.stringify({ n })));
    const handled: number[] = [];
    const consumer = new Consumer<RedisListMessage<{ n: number }>>(source, {
      handler: (bulk) => {
        for (const message of bulk) handled.push(message.body.n);
      },
      logger: silentLogger,
    });
    await consumer.start();
    const deadline = Date.now() + 20_000;
    while (handled.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await consumer.shutdown();
    await source.clear();
    return handled.sort();
  } finally {
    await redis.quit();
  }
}
