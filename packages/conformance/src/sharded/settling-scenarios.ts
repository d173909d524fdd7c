// Settling: fenced settles, failure counting, charged and uncharged failures, dead letters.
import { expect, it } from 'vitest';
import { RequestHandler, Queue, Worker } from '@conveyor/sharded';
import type { TubeAddress } from '@conveyor/sharded';
import type { OpenDrivers } from './scenario-kit.js';
import { quick } from './scenario-kit.js';

export function settlingScenarios(open: OpenDrivers): void {
  it('settles are fenced: a stale settle removes nothing; failed messages stay at the head in order', async () => {
    const { storage } = await open();
    const address: TubeAddress = { handlerName: 'H', thread: 'H/0', tube: 'H/0/0', priority: 0, rank: 0 };
    await storage.append(address, ['a', 'b', 'c', 'd'], false);
    const first = await storage.peek('H/0', 2);
    const second = await storage.peek('H/0', 3);
    expect(first?.messages).toEqual(['a', 'b']);
    expect(second?.offset).toBe(first?.offset);
    expect(await storage.settle({ tube: 'H/0/0', thread: 'H/0', offset: second?.offset ?? -1, count: 3 })).toMatchObject({
      stale: false,
      removed: 3,
    });
    expect(await storage.settle({ tube: 'H/0/0', thread: 'H/0', offset: first?.offset ?? -1, count: 2 })).toMatchObject({
      stale: true,
      removed: 0,
    });
    expect(await storage.length('H/0/0')).toBe(1);

    await storage.append(address, ['e', 'f', 'g', 'h'], false);
    const batch = await storage.peek('H/0', 5);
    expect(batch?.messages).toEqual(['d', 'e', 'f', 'g', 'h']);
    await storage.settle({ tube: 'H/0/0', thread: 'H/0', offset: batch?.offset ?? -1, count: 5 }, [1, 3]);
    expect((await storage.peek('H/0', 10))?.messages).toEqual(['e', 'g']);
    const rest = await storage.peek('H/0', 10);
    await storage.settle({ tube: 'H/0/0', thread: 'H/0', offset: rest?.offset ?? -1, count: 2 });
    expect(await storage.peek('H/0', 10)).toBeUndefined();
    expect(await storage.threads(10)).toEqual([]);
  });

  it('peek tells the failures counted for the head; a settle that removes the head resets them', async () => {
    const { storage } = await open();
    const address: TubeAddress = { handlerName: 'H', thread: 'H/0', tube: 'H/0/0', priority: 0, rank: 0 };
    await storage.append(address, ['a', 'b', 'c'], false);
    const batch = (peeked: Awaited<ReturnType<typeof storage.peek>>, count: number) => ({
      tube: 'H/0/0',
      thread: 'H/0',
      offset: peeked?.offset ?? -1,
      count,
    });
    let peeked = await storage.peek('H/0', 2);
    expect(peeked?.failures).toBe(0);
    await storage.settle(batch(peeked, 2), [0, 1], { reason: 'boom', maxFailures: 5 });
    peeked = await storage.peek('H/0', 2);
    expect(peeked).toMatchObject({ messages: ['a', 'b'], failures: 1 });
    // Given back uncharged (the handler never had them): not counted, the count stays.
    await storage.settle(batch(peeked, 2), [0, 1], { reason: 'not taken', maxFailures: 5, charged: [] });
    peeked = await storage.peek('H/0', 2);
    expect(peeked?.failures).toBe(1);
    await storage.settle(batch(peeked, 1), []);
    expect((await storage.peek('H/0', 2))?.failures).toBe(0);
  });

  it('at the limit only charged messages go to the dead letters; uncharged ones stay at the head, in order', async () => {
    const { storage } = await open();
    const address: TubeAddress = { handlerName: 'H', thread: 'H/0', tube: 'H/0/0', priority: 0, rank: 0 };
    await storage.append(address, ['a', 'b', 'c', 'd', 'e'], false);
    const peeked = await storage.peek('H/0', 4);
    // a consumed, b failed in the handler (charged), c and d never reached it (uncharged).
    const result = await storage.settle({ tube: 'H/0/0', thread: 'H/0', offset: peeked?.offset ?? -1, count: 4 }, [1, 2, 3], {
      reason: 'poison',
      maxFailures: 1,
      charged: [1],
    });
    expect(result).toEqual({ stale: false, removed: 2, failures: 1, deadLettered: 1 });
    expect((await storage.deadLetters(10)).map((letter) => letter.message)).toEqual(['b']);
    expect(await storage.peek('H/0', 10)).toMatchObject({ messages: ['c', 'd', 'e'], failures: 0 });
  });

  it('maxFailures Infinity never dead-letters', async () => {
    const { storage } = await open();
    const address: TubeAddress = { handlerName: 'H', thread: 'H/0', tube: 'H/0/0', priority: 0, rank: 0 };
    await storage.append(address, ['a'], false);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const peeked = await storage.peek('H/0', 1);
      const result = await storage.settle({ tube: 'H/0/0', thread: 'H/0', offset: peeked?.offset ?? -1, count: 1 }, [0], {
        reason: 'boom',
        maxFailures: Number.POSITIVE_INFINITY,
      });
      expect(result).toMatchObject({ failures: attempt, deadLettered: 0 });
    }
    expect(await storage.count('dead')).toBe(0);
  });

  it('a failing batch stays at the head in order, and goes to the dead letters after maxFailures', async () => {
    const { storage, lock } = await open();
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    class Flaky extends RequestHandler<string> {
      handle(...requests: string[]): void {
        for (const request of requests) attempts.set(request, (attempts.get(request) ?? 0) + 1);
        if (requests.includes('poison')) throw new Error('poisoned batch');
        if (requests.includes('once') && attempts.get('once') === 1) throw new Error('first attempt fails');
        handled.push(...requests);
      }
    }
    const queue = new Queue(storage);
    await queue.register(Flaky, 'once', 'a', 'poison', 'b', 'c', 'd');
    const worker = new Worker(lock, queue, { ...quick, batchSize: 2, maxFailures: 3 });
    const failures: Array<{ failures: number; deadLettered: number }> = [];
    worker.on('failed', ({ failures: count, deadLettered }) => failures.push({ failures: count, deadLettered }));
    expect(await worker.loop(4)).toBe(4);
    expect(handled).toEqual(['once', 'a', 'c', 'd']);
    expect(failures).toEqual([
      { failures: 1, deadLettered: 0 },
      { failures: 1, deadLettered: 0 },
      { failures: 2, deadLettered: 0 },
      { failures: 3, deadLettered: 2 },
    ]);
    const dead = await queue.deadLetters();
    expect(dead.map((letter) => queue.decode(letter.tube, letter.message))).toEqual(['poison', 'b']);
    expect(dead[0]).toMatchObject({ tube: 'Flaky/0/0', failures: 3 });
    expect(dead[0]?.reason).toContain('poisoned batch');
    expect(await queue.length(Flaky)).toBe(0);
  });
}
