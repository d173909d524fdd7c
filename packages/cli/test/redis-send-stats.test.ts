import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestHandler, Queue, Route } from '@conveyor/sharded';
import { RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { cli, jsonLines, redisUrl, uniqueKey } from './helpers.js';

interface Notify {
  userId: number;
}

class NotifyHandler extends RequestHandler<Notify> {
  static override handlerName = 'Notify';
  static override route(...requests: Notify[]): Route[] {
    return requests.map((request) => new Route(request.userId % 3));
  }
  async handle(): Promise<void> {}
}

let redis: Redis;
const keys: string[] = [];
const key = (label: string): string => {
  const made = uniqueKey(label);
  keys.push(made);
  return made;
};
const url = (path: string, query = ''): string => `${redisUrl}/${encodeURIComponent(path)}${query}`;

beforeAll(() => {
  redis = new Redis(redisUrl);
});

afterAll(async () => {
  for (const prefix of keys) await deleteByPrefix(redis, prefix);
  redis.disconnect();
});

describe('send and stats on a Redis list', () => {
  it('sends every JSON line in order and stats counts them exactly', async () => {
    const list = key('list');
    const values = Array.from({ length: 250 }, (_, n) => ({ n, text: `message ${n}` }));
    const sent = await cli(['send', url(list)], { input: jsonLines(values) + '\n   \n' });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`^sent 250 messages to ${redisUrl}/conveyor-cli-test`));
    expect((await redis.lrange(list, 0, -1)).map((body) => JSON.parse(body) as unknown)).toEqual(values);

    await redis.zadd(`${list}:processing`, 1, 'a', 2, 'b');
    await redis.rpush(`${list}:dead`, JSON.stringify({ message: 'x', reason: 'r', receives: 3, at: 0 }));
    const stats = await cli(['stats', url(list), '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ kind: 'redis-list', waiting: 250, inFlight: 2, deadLetters: 1 });

    const human = await cli(['stats', url(list)]);
    expect(human.stdout).toContain('(Redis list)');
    expect(human.stdout).toMatch(/waiting\s+250\n/);
    expect(human.stdout).toMatch(/in flight\s+2\n/);
  });

  it('stops at a line that is not JSON: exit 5, exactly the lines before it sent', async () => {
    const list = key('bad-line');
    const result = await cli(['send', url(list)], { input: '{"a":1}\n{"a":2}\n\n{"a":3}\n{oops\n{"a":5}\n' });
    expect(result.code).toBe(5);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^conveyor: stdin line 5 is not JSON \(.+\); the 3 messages before it were sent, nothing after it$/),
    ]);
    expect(await redis.lrange(list, 0, -1)).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
  });
});

describe('stats on a sharded queue', () => {
  it('lists each thread with its tube sizes, locks, dead letters and deferred entries', async () => {
    const prefix = `${key('sharded')}:`;
    const lockPrefix = `${prefix}lock:`;
    const queue = new Queue(new RedisStorage(redis, { prefix }), { requestHandlers: [NotifyHandler] });
    await queue.register(NotifyHandler, ...Array.from({ length: 10 }, (_, userId) => ({ userId })));
    await queue.register(NotifyHandler, { userId: 99 }, { defer: 3600 });
    const lock = new RedisLock(redis, { prefix: lockPrefix });
    expect(await lock.acquire('Notify/1', 'test-owner', 60_000)).toBe(true);

    const result = await cli(['stats', url(prefix, `?lockPrefix=${encodeURIComponent(lockPrefix)}`), '--json']);
    expect(result.stderr).toBe('');
    const stats = JSON.parse(result.stdout) as {
      kind: string;
      waiting: number;
      deadLetters: number;
      details: Record<string, number>;
      threads: unknown[];
    };
    expect(stats).toMatchObject({
      kind: 'redis-sharded',
      waiting: 10,
      deadLetters: 0,
      details: { threads: 3, lockedThreads: 1, deferred: 1, recurrent: 0 },
    });
    expect(stats.threads).toEqual([
      { thread: 'Notify/0', waiting: 4, locked: false, tubes: [{ tube: 'Notify/0/0', waiting: 4 }] },
      { thread: 'Notify/1', waiting: 3, locked: true, tubes: [{ tube: 'Notify/1/0', waiting: 3 }] },
      { thread: 'Notify/2', waiting: 3, locked: false, tubes: [{ tube: 'Notify/2/0', waiting: 3 }] },
    ]);

    const human = await cli(['stats', url(prefix)]);
    expect(human.stdout).toContain('(sharded queue on Redis)');
    expect(human.stdout).toMatch(/Notify\/0\s+4\s+no\s+priority 0:4/);

    const send = await cli(['send', url(prefix)], { input: '{"userId":1}\n' });
    expect(send.code).toBe(2);
    expect(send.stderr).toMatch(/^conveyor: .* is a sharded queue: requests are routed by their RequestHandler class/);
  });
});
