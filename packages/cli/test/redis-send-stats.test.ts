import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestHandler, Queue, Route } from '@conveyor/sharded';
import { RedisListSource, RedisLock, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { MessageNotTakenError, silentLogger } from '@conveyor/core';
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
  for (const prefix of keys) {
    await deleteByPrefix(redis, prefix);
    await listSource(prefix).clear();
  }
  redis.disconnect();
});

const listSource = (list: string, options: { maxReceiveCount?: number } = {}): RedisListSource =>
  new RedisListSource(redis, { key: list, waitTime: 0, logger: silentLogger, ...options });

/** Every body waiting in the list, in order (delivered, then given back unconsumed). */
async function bodiesIn(list: string): Promise<string[]> {
  const source = listSource(list);
  const messages = await source.get(new AbortController().signal, { maxMessages: 10_000 });
  await source.release(messages, new MessageNotTakenError());
  return messages.map((message) => message.body);
}

describe('send and stats on a Redis list', () => {
  it('sends every JSON line in order and stats counts them exactly', async () => {
    const list = key('list');
    const values = Array.from({ length: 250 }, (_, n) => ({ n, text: `message ${n}` }));
    const sent = await cli(['send', url(list)], { input: jsonLines(values) + '\n   \n' });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`^sent 250 messages to ${redisUrl}/conveyor-cli-test`));
    // Through the source's producer path: ids in the list, each body stored once.
    expect(await redis.llen(list)).toBe(250);
    expect(await redis.hlen(listSource(list).keys.bodies)).toBe(250);
    expect((await bodiesIn(list)).map((body) => JSON.parse(body) as unknown)).toEqual(values);

    // Four delivered: one dead-lettered, one failed and waiting for its backoff, two in flight.
    const source = listSource(list);
    const delivered = await source.get(new AbortController().signal, { maxMessages: 4 });
    await listSource(list, { maxReceiveCount: 1 }).release(delivered.slice(0, 1), new Error('poison'));
    await source.release(delivered.slice(1, 2), new Error('retry later'));
    const stats = await cli(['stats', url(list), '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({
      kind: 'redis-list',
      waiting: 247,
      inFlight: 2,
      deadLetters: 1,
      details: { delayed: 1 },
    });
    await source.cleanup(delivered.slice(2));
    await redis.rpush(list, 'a raw body');

    const human = await cli(['stats', url(list)]);
    expect(human.stdout).toContain('(Redis list)');
    expect(human.stdout).toMatch(/waiting\s+248\n/);
    expect(human.stdout).toMatch(/in flight\s+0\n/);
    expect(human.stdout).toMatch(/dead letters\s+1\n/);
    expect(human.stdout).toMatch(/delayed\s+1\n/);
  });

  it('stops at a line that is not JSON: exit 5, exactly the lines before it sent', async () => {
    const list = key('bad-line');
    const result = await cli(['send', url(list)], { input: '{"a":1}\n{"a":2}\n\n{"a":3}\n{oops\n{"a":5}\n' });
    expect(result.code).toBe(5);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^conveyor: stdin line 5 is not JSON \(.+\); the 3 messages before it were sent, nothing after it$/),
    ]);
    expect(await bodiesIn(list)).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
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
