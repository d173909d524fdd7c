import { spawn } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RedisListSource } from '@conveyor/redis';
import { until } from '@conveyor/conformance';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect, redisUrl } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

/** A source whose `count` messages `m-<n>` are all in the dead letters (maxReceiveCount 1, each failed once). */
async function deadSource(count: number): Promise<{ source: RedisListSource; ids: string[] }> {
  const source = sources.open({ maxReceiveCount: 1 });
  const ids = await source.send(...Array.from({ length: count }, (_, n) => `m-${n}`));
  for (;;) {
    const messages = await source.get(neverAborted, { maxMessages: 500 });
    if (messages.length === 0) break;
    await source.release(messages, new Error('boom'));
  }
  expect((await source.inspect()).deadLetters).toBe(count);
  return { source, ids };
}

/** Takes (and acknowledges) every message the source delivers now. */
async function takeAll(source: RedisListSource): Promise<{ id: string; body: string; receiveCount: number }[]> {
  const taken: { id: string; body: string; receiveCount: number }[] = [];
  for (;;) {
    const messages = await source.get(neverAborted, { maxMessages: 500 });
    if (messages.length === 0) return taken;
    taken.push(...messages.map(({ id, body, receiveCount }) => ({ id, body, receiveCount })));
    await source.cleanup(messages);
  }
}

describe('RedisListSource.redriveDeadLetters()', () => {
  it('sends every dead letter back once, ids kept, receives reset; --limit takes the oldest', async () => {
    const { source, ids } = await deadSource(30);
    const dead = await source.deadLetters(100);
    expect(dead[0]).toMatchObject({ id: ids[0], error: 'Error: boom', receiveCount: 1 });

    expect(await source.redriveDeadLetters({ limit: 12, batchSize: 5 })).toBe(12);
    expect((await source.deadLetters(100)).map((letter) => letter.id)).toEqual(ids.slice(12));
    const first = await takeAll(source);
    expect(first.map((message) => message.id)).toEqual(ids.slice(0, 12));
    expect(first.every((message) => message.receiveCount === 1)).toBe(true);
    expect(first.map((message) => message.body)).toEqual(ids.slice(0, 12).map((_id, n) => `m-${n}`));

    expect(await source.redriveDeadLetters()).toBe(18);
    expect(await source.inspect()).toEqual({ waiting: 18, inFlight: 0, deadLetters: 0 });
    expect((await takeAll(source)).map((message) => message.id)).toEqual(ids.slice(12));
    expect(await source.redriveDeadLetters()).toBe(0);
  });

  it('a redrive killed midway (SIGKILL) loses nothing and moves nothing twice; running it again finishes the job', async () => {
    const { source, ids } = await deadSource(400);
    const child = spawn(process.execPath, [new URL('./fixtures/redrive-process.ts', import.meta.url).pathname], {
      env: { ...process.env, REDIS_URL: redisUrl, KEY: source.key },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it once some, not all, have moved.
    await until(async () => (await redis.llen(source.keys.list)) >= 50, 15_000, 'the redrive under way');
    child.kill('SIGKILL');
    await exited;
    const depth = await source.inspect();
    expect(depth.waiting).toBeGreaterThan(0);
    expect(depth.deadLetters).toBeGreaterThan(0);
    // Every message is in exactly one place.
    expect(depth.waiting + (depth.deadLetters ?? 0)).toBe(400);

    expect(await source.redriveDeadLetters()).toBe(depth.deadLetters);
    const back = await takeAll(source);
    expect(back.map((message) => message.id).sort()).toEqual([...ids].sort());
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });
});
