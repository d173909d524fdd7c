import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import type { Lock, Storage } from '@conveyor/sharded';
import { runNotifications } from './notify.ts';

async function run(storage?: Storage<unknown>, lock?: Lock): Promise<Map<number, string[]>> {
  const received = new Map<number, string[]>();
  const sent = await runNotifications({
    ...(storage === undefined ? {} : { storage }),
    ...(lock === undefined ? {} : { lock }),
    users: 6,
    perUser: 4,
    send: (userId, texts) => void received.set(userId, [...(received.get(userId) ?? []), ...texts]),
  });
  expect(sent).toBe(6 * 6);
  return received;
}

function expectInOrder(received: Map<number, string[]>): void {
  expect(received.size).toBe(6);
  for (const texts of received.values()) {
    // The urgent alert was registered after the updates but is sent first; the deferred reminder comes last.
    expect(texts).toEqual(['security alert', 'update #0', 'update #1', 'update #2', 'update #3', 'reminder']);
  }
}

describe('example: sharded notifications', () => {
  it('runs in memory: per-user order, urgent first, deferred last', async () => {
    expectInOrder(await run());
  });

  it('runs on Redis', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const prefix = `example-test:${randomUUID().slice(0, 8)}:`;
    try {
      expectInOrder(await run(new RedisStorage(redis, { prefix: `${prefix}s:` }), new RedisLock(redis, { prefix: `${prefix}l:` })));
    } finally {
      await deleteByPrefix(redis, prefix);
      await redis.quit();
    }
  });
});
