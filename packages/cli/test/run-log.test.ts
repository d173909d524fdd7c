import { Redis } from 'ioredis';
import { redisListKeys } from '@conveyor/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, fixture, jsonEvents, killLeftovers, redisUrl, startCli, uniqueKey } from './helpers.js';

afterEach(killLeftovers);

let redis: Redis;
const lagKey = uniqueKey('lag');

beforeAll(() => {
  redis = new Redis(redisUrl);
});

afterAll(async () => {
  await redis.unlink(...(Object.values(redisListKeys(lagKey)) as string[]));
  redis.disconnect();
});

describe('conveyor run, stdout not a terminal: a line per interval', () => {
  it('runs a factory-built consumer on pool threads to the end with exact counts', async () => {
    const result = await cli([
      'run',
      fixture('memory-consumer.js'),
      '--json',
      '--interval',
      '100',
      '--',
      '--count',
      '400',
      '--threads',
      '--exit-when-drained',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = jsonEvents(result.stdout);
    expect(events.filter((event) => event.event === 'progress').length).toBeGreaterThanOrEqual(1);
    const last = events.at(-1);
    expect(last).toMatchObject({
      event: 'stopped',
      phase: 'stopped',
      received: 440,
      consumed: 400,
      failed: 40,
      inFlight: 0,
      pollerRestarts: 0,
      threadDeaths: 0,
    });
    expect(last?.bulks).toBeGreaterThanOrEqual(Math.ceil(440 / 8));
    // No --lag: the consumer's own source (a MemorySource) tells its depth.
    expect(events.some((event) => typeof event.lagWaiting === 'number' && typeof event.lagInFlight === 'number')).toBe(true);
    // Per pool thread: "<thread id>:<bulks>" pairs adding up to the total.
    const perThread = String(last?.bulksByThread)
      .split(',')
      .map((pair) => Number(pair.split(':')[1]));
    expect(perThread.reduce((sum, bulks) => sum + bulks, 0)).toBe(last?.bulks);
  });

  it('prints key=value lines without --json, and watches a Consumer exported already built', async () => {
    const result = await cli(['run', fixture('built-consumer.js'), '--interval', '100']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^\S+Z stopped phase=stopped .*received=3 consumed=3 failed=0 /);
    // Built without metrics: conveyor attaches its own before start(), so bulks are counted too.
    expect(lines.at(-1)).toMatch(/ bulks=\d+ /);
  });

  it('runs a consumer module compiled to CommonJS (its export default on exports.default)', async () => {
    const result = await cli(['run', fixture('commonjs-consumer.cjs'), '--interval', '100']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\S+Z stopped phase=stopped .*received=3 consumed=3 failed=0 /);
  });

  it('SIGINT drains gracefully and exits 0; the lag of another queue is shown', async () => {
    await redis.rpush(lagKey, 'a', 'b', 'c', 'd', 'e', 'f', 'g');
    const running = startCli([
      'run',
      fixture('memory-consumer.js'),
      '--json',
      '--interval',
      '100',
      '--lag',
      `${redisUrl}/${lagKey}`,
      '--',
      '--count',
      '50',
    ]);
    await running.waitForOutput(
      (stdout) => jsonEvents(stdout).some((event) => event.consumed === 50 && event.lagWaiting === 7),
      'all 50 consumed and the lag read',
    );
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(0);
    const events = jsonEvents(result.stdout);
    expect(events.find((event) => event.event === 'notice')?.message).toMatch(
      /^SIGINT: draining \d+ messages in flight \(Ctrl-C again to abort\)$/,
    );
    expect(events.at(-1)).toMatchObject({
      event: 'stopped',
      received: 55,
      consumed: 50,
      failed: 5,
      lagWaiting: 7,
      lagInFlight: 0,
      lagDeadLetters: 0,
    });
  });

  it('a second SIGINT aborts a drain that is stuck: exit 130', async () => {
    const running = startCli(['run', fixture('slow-consumer.js'), '--json', '--interval', '100']);
    await running.waitForOutput((_stdout, stderr) => stderr.includes('holding'), 'the handler to hold its bulk');
    running.child.kill('SIGINT');
    await running.waitForOutput((stdout) => stdout.includes('draining'), 'the drain notice');
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      'conveyor: aborted by SIGINT; 2 messages in flight were not cleaned up and will be delivered again by the source',
    );
  });
});
