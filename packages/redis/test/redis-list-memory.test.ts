import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

async function keysMemory(keys: readonly string[]): Promise<number> {
  let total = 0;
  for (const key of keys) total += (await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0;
  return total;
}

function memoryAfterGc(): { heap: number; buffers: number } {
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

describe('RedisListSource memory', () => {
  it('20 MB of 100 KB bodies in flight: Redis holds each body once, the Node heap about once', async () => {
    const source = sources.open({ maxMessagesPerGet: 1000 });
    const count = 200;
    const size = 100 * 1024;
    const bytes = count * size;
    const sideKeys = Object.values(source.keys);
    let bodies: string[] | undefined = Array.from({ length: count }, (_, n) => `${n}:`.padEnd(size, String.fromCharCode(97 + (n % 26))));
    const redisBefore = await usedMemory();
    await source.send(...bodies);
    bodies = undefined;
    const nodeBefore = memoryAfterGc();

    const delivered = [];
    while (delivered.length < count) delivered.push(...(await source.get(neverAborted, { maxMessages: count })));
    expect(delivered).toHaveLength(count);
    expect(delivered.every((message, n) => message.body.length === size && message.body.startsWith(`${n}:`))).toBe(true);

    const redisInFlight = await usedMemory();
    const keysInFlight = await keysMemory(sideKeys);
    const nodeInFlight = memoryAfterGc();
    // Exact, whatever else runs on this Redis: the bodies once (the old layout held them twice in flight).
    expect(keysInFlight).toBeGreaterThanOrEqual(bytes);
    expect(keysInFlight).toBeLessThanOrEqual(bytes * 1.25);
    // The whole server, other tests included: generous, but far below the old layout's peaks.
    expect(redisInFlight - redisBefore).toBeLessThanOrEqual(bytes * 3);
    // What this process keeps for the deliveries: the decoded bodies, not a copy in each receipt.
    expect(nodeInFlight.heap - nodeBefore.heap).toBeLessThanOrEqual(bytes * 1.5);
    // Buffers: none kept for text bodies; ioredis' reply parser may still hold its pool for large replies (it shrinks it over time).
    expect(nodeInFlight.buffers - nodeBefore.buffers).toBeLessThanOrEqual(bytes * 2.5);
    expect(delivered.every((message) => message.receipt.length < 40)).toBe(true);

    await source.cleanup(delivered);
    expect(await keysMemory(sideKeys)).toBeLessThan(1024);
  });

  it.each([
    ['text', 200],
    ['buffer', 200],
    // Over 256 KB a delivery: its bodies arrive one reply each, slices of the client's socket read chunks.
    ['buffer', 300],
  ] as const)(
    'a %s body (of %i bytes, 1,000 a delivery) kept after its delivery was settled keeps itself alive, not its neighbours',
    async (bodyFormat, size) => {
      const source = sources.open<string | Buffer>({ bodyFormat, maxMessagesPerGet: 1000 });
      const deliveries = 40;
      const perDelivery = 1000;
      await source.send(...Array.from({ length: deliveries * perDelivery }, (_, n) => `${n}:`.padEnd(size, 'x')));
      const before = memoryAfterGc();
      // One body of each delivery kept, as a handler that caches what it saw would (its siblings are settled).
      const kept: (string | Buffer)[] = [];
      for (let round = 0; round < deliveries; round++) {
        const delivered = await source.get(neverAborted, { maxMessages: perDelivery });
        expect(delivered).toHaveLength(perDelivery);
        kept.push(delivered[0]!.body);
        await source.cleanup(delivered);
      }
      if (bodyFormat === 'buffer') {
        // Each kept Buffer owns memory of its own, exactly its size: not a view of its delivery's reply, nor of a
        // buffer pool slab its neighbours' copies would share.
        expect(kept.every((body) => (body as Buffer).buffer.byteLength === size)).toBe(true);
      } else {
        // Pinning the blobs they arrived in would hold 40 × 200 KB = 8 MB of heap; the kept bodies are 8 KB.
        expect(memoryAfterGc().heap - before.heap).toBeLessThan(2 * 1024 * 1024);
      }
      expect(kept.every((body) => body.length === size)).toBe(true);
    },
  );
});
