import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { silentLogger } from '@conveyor/core';
import { FileQueueReader, FileQueueWriter, listDeadLetters } from '@conveyor/file';
import { RedisListSource, RedisStorage, deleteByPrefix } from '@conveyor/redis';
import { cli, redisUrl, tempFolder, uniqueKey } from './helpers.js';

let redis: Redis;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(() => {
  redis = new Redis(redisUrl);
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  redis.disconnect();
});

const never = new AbortController().signal;

describe('conveyor dlq on a Redis list', () => {
  it('lists the dead letters with their last error, then --redrive sends them back exactly once', async () => {
    const source = new RedisListSource(redis, { key: uniqueKey('dlq-list'), maxReceiveCount: 1, waitTime: 0, logger: silentLogger });
    cleanups.push(() => source.clear());
    const ids = await source.send(...Array.from({ length: 25 }, (_, n) => JSON.stringify({ n })));
    for (let got = await source.get(never, { maxMessages: 100 }); got.length > 0; got = await source.get(never, { maxMessages: 100 }))
      await source.release(got, new TypeError('no customer'));
    const url = `${redisUrl}/${source.key}`;

    const listed = await cli(['dlq', url, '--limit', '2']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`25 dead letters in {${source.key}}:dead  (${url})`);
    expect(listed.stdout).toContain('the oldest 2 (--limit N for more):');
    expect(listed.stdout).toMatch(
      new RegExp(`\\n  ${ids[0]}  received 1×, \\d+ s ago\\n    error  TypeError: no customer\\n    body   \\{"n":0\\}\\n`),
    );
    const json = await cli(['dlq', url, '--json']);
    const parsed = JSON.parse(json.stdout) as { count: number; letters: { id: string; body: string; lastError: string }[] };
    expect(parsed.count).toBe(25);
    expect(parsed.letters).toHaveLength(20);
    expect(parsed.letters[3]).toMatchObject({ id: ids[3], body: '{"n":3}', lastError: 'TypeError: no customer', receiveCount: 1 });

    const some = await cli(['dlq', url, '--redrive', '--limit', '10']);
    expect(some.stdout).toBe(`sent 10 dead letters from {${source.key}}:dead back to ${url}; 15 left\n`);
    const rest = await cli(['dlq', url, '--redrive']);
    expect(rest.stdout).toBe(`sent 15 dead letters from {${source.key}}:dead back to ${url}; 0 left\n`);
    const back: string[] = [];
    for (let got = await source.get(never, { maxMessages: 100 }); got.length > 0; got = await source.get(never, { maxMessages: 100 })) {
      back.push(...got.map((message) => message.id));
      await source.cleanup(got);
    }
    expect(back).toEqual(ids);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it('a key where nothing is stored: "no such key", exit 4', async () => {
    const result = await cli(['dlq', `${redisUrl}/${uniqueKey('dlq-typo')}`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^conveyor: No such key: nothing is stored at /);
  });
});

describe('conveyor dlq on a sharded queue', () => {
  it('lists and redrives the dead letters back to their tubes', async () => {
    const prefix = `${uniqueKey('dlq-sharded')}:`;
    cleanups.push(() => deleteByPrefix(redis, prefix));
    const storage = new RedisStorage(redis, { prefix });
    const address = { handlerName: 'Notify', thread: 'Notify/1', tube: 'Notify/1/0', priority: 0, rank: 0 };
    await storage.append(address, ['{"user":1}', '{"user":2}'], false);
    const batch = await storage.peek('Notify/1', 10);
    await storage.settle({ ...batch!, count: 2 }, [0, 1], { reason: 'Error: mail server down', maxFailures: 1 });
    const url = `${redisUrl}/${encodeURIComponent(prefix)}`;
    const listed = await cli(['dlq', url]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(`2 dead letters in ${prefix}dead`);
    expect(listed.stdout).toMatch(
      /Notify\/1\/0#1 {2}received 1×, \d+ s ago\n {4}error {2}Error: mail server down\n {4}body {3}\{"user":1\}/,
    );
    const redriven = await cli(['dlq', url, '--redrive']);
    expect(redriven.stdout).toMatch(/^sent 2 dead letters from .*dead back to .*; 0 left\n$/);
    expect(await redis.lrange(`${prefix}q:Notify/1/0`, 0, -1)).toEqual(['{"user":1}', '{"user":2}']);
  });
});

describe('conveyor dlq on a file queue', () => {
  it('lists dead rows with their last error and redrives them; corrupt files are pointed at, not replayed', async () => {
    const folder = tempFolder('dlq');
    cleanups.push(async () => folder.remove());
    const writer = new FileQueueWriter<{ n: number }>({ directory: folder.path, maxRowsPerBatch: 4, logger: silentLogger });
    for (let n = 0; n < 10; n++) void writer.add({ n });
    writer.close();
    const reader = new FileQueueReader<{ n: number }>({
      directory: folder.path,
      maxReceiveCount: 1,
      retryBackoff: false,
      logger: silentLogger,
    });
    for (let claimed = reader.claim(); claimed !== undefined; claimed = reader.claim())
      claimed.fail(claimed.rows, new RangeError('n too big'));
    reader.close();
    const url = `file://${folder.path}`;

    const listed = await cli(['dlq', url]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain(`10 dead letters in ${folder.path}/dead  (${url})`);
    expect(listed.stdout).toMatch(/received 1×, \d+ s ago\n {4}error {2}RangeError: n too big\n {4}body {3}\{"n":0\}/);

    const redriven = await cli(['dlq', url, '--redrive', '--limit', '6']);
    expect(redriven.stdout).toBe(`sent 6 dead letters from ${folder.path}/dead back to ${url}; 4 left\n`);
    expect(listDeadLetters(folder.path)).toHaveLength(4);
    expect((await cli(['dlq', url, '--redrive'])).stdout).toContain('sent 4 dead letters');
    const again = new FileQueueReader<{ n: number }>({ directory: folder.path, logger: silentLogger });
    const bodies: number[] = [];
    for (let claimed = again.claim(); claimed !== undefined; claimed = again.claim()) {
      bodies.push(...claimed.rows.map((row) => row.body.n));
      claimed.consumeAll();
    }
    again.close();
    expect(bodies.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
