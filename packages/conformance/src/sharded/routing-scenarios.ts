// Sharding, priorities, hooks and limits: how requests are routed to threads and handed out.
import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { RequestHandler, Queue, Route, Worker } from '@conveyor/sharded';
import type { OpenDrivers } from './scenario-kit.js';
import { quick } from './scenario-kit.js';

export function routingScenarios(open: OpenDrivers): void {
  it('README: 9 requests sharded by user % 3, three loop(3) side by side each take one whole thread, in order', async () => {
    const { storage, lock } = await open();
    interface NotifyRequest {
      userId: number;
    }
    const batches: NotifyRequest[][] = [];
    class NotifyHandler extends RequestHandler<NotifyRequest> {
      static override route(...requests: NotifyRequest[]): Route[] {
        return requests.map((request) => new Route(request.userId % 3));
      }
      handle(...requests: NotifyRequest[]): void {
        batches.push(requests);
      }
    }
    const queue = new Queue(storage);
    await queue.register(NotifyHandler, ...Array.from({ length: 9 }, (_, index) => ({ userId: index + 1 })));
    expect(await queue.length(NotifyHandler, new Route(1))).toBe(3);
    expect(await queue.length(NotifyHandler, new Route(2))).toBe(3);
    expect(await queue.length(NotifyHandler, new Route(0))).toBe(3);

    const worker = new Worker(lock, queue, quick);
    const claimed: string[] = [];
    worker.on('claimed', ({ thread }) => claimed.push(thread));
    expect(await Promise.all([worker.loop(3), worker.loop(3), worker.loop(3)])).toEqual([3, 3, 3]);

    expect(
      batches
        .flat()
        .map((request) => request.userId)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(claimed).size).toBe(3);
    for (const batch of batches) {
      const users = batch.map((request) => request.userId);
      expect(new Set(users.map((user) => user % 3)).size).toBe(1);
      expect(users).toEqual([...users].sort((a, b) => a - b));
    }
    for (const thread of [0, 1, 2]) expect(await queue.length(NotifyHandler, new Route(thread))).toBe(0);
  });

  it('priorities 3 → 2 → 1: loop(1) takes the most urgent first', async () => {
    const { storage, lock } = await open();
    const processed: number[] = [];
    class TimesheetSignHandler extends RequestHandler<{ timesheet: number }> {
      static override priorities = [3, 2, 1];
      static override route(...requests: { timesheet: number }[]): Route[] {
        return requests.map((request) => new Route(0, request.timesheet));
      }
      handle(...requests: { timesheet: number }[]): void {
        processed.push(...requests.map((request) => request.timesheet));
      }
    }
    const queue = new Queue(storage);
    await queue.register(TimesheetSignHandler, { timesheet: 1 }, { timesheet: 2 }, { timesheet: 3 });
    const lengths = async (): Promise<number[]> =>
      Promise.all([1, 2, 3].map((priority) => queue.length(TimesheetSignHandler, new Route(0, priority))));
    const worker = new Worker(lock, queue, quick);

    expect(await worker.loop(1)).toBe(1);
    expect(processed).toEqual([3]);
    expect(await lengths()).toEqual([1, 1, 0]);
    await worker.loop(1);
    expect(processed).toEqual([3, 2]);
    expect(await lengths()).toEqual([1, 0, 0]);
    await worker.loop(1);
    expect(processed).toEqual([3, 2, 1]);
    expect(await lengths()).toEqual([0, 0, 0]);
  });

  it('a batch never mixes priorities; without a declared list, higher priorities come first', async () => {
    const { storage, lock } = await open();
    const batches: Array<Array<{ n: number; p: number }>> = [];
    class MixedHandler extends RequestHandler<{ n: number; p: number }> {
      static override route(...requests: { n: number; p: number }[]): Route[] {
        return requests.map((request) => new Route('only', request.p));
      }
      handle(...requests: { n: number; p: number }[]): void {
        batches.push(requests);
      }
    }
    const queue = new Queue(storage);
    await queue.register(MixedHandler, ...Array.from({ length: 8 }, (_, n) => ({ n, p: n % 2 === 0 ? 1 : 5 })));
    expect(await new Worker(lock, queue, { ...quick, batchSize: 10 }).loop(8)).toBe(8);
    expect(batches.map((batch) => batch.map((request) => request.n))).toEqual([
      [1, 3, 5, 7],
      [0, 2, 4, 6],
    ]);
  });

  it('start/stop hooks run per claim, and a worker claims another thread after the empty limit', async () => {
    const { storage, lock } = await open();
    const hooks: string[] = [];
    const synced: number[] = [];
    class SyncHandler extends RequestHandler<{ bucket: number }> {
      static override route(...requests: { bucket: number }[]): Route[] {
        return requests.map((request) => new Route(request.bucket % 2));
      }
      override start(): void {
        hooks.push('start');
      }
      override stop(): void {
        hooks.push('stop');
      }
      handle(...requests: { bucket: number }[]): void {
        synced.push(...requests.map((request) => request.bucket));
      }
    }
    const queue = new Queue(storage);
    await queue.register(SyncHandler, ...[1, 2, 3, 4, 5].map((bucket) => ({ bucket })));
    expect(await queue.length(SyncHandler, new Route(0))).toBe(2);
    expect(await queue.length(SyncHandler, new Route(1))).toBe(3);
    expect(hooks).toEqual([]);

    // Default settings: the limit, not the empty limit, ends this loop.
    await new Worker(lock, queue, { logger: silentLogger }).loop(2);
    expect(hooks).toEqual(['start', 'stop']);
    expect(synced).toHaveLength(2);
    const first = (synced[0] as number) % 2;
    expect(synced.every((bucket) => bucket % 2 === first)).toBe(true);
    expect(await queue.length(SyncHandler, new Route(first))).toBe(first === 0 ? 0 : 1);

    const worker = new Worker(lock, queue, { logger: silentLogger, emptyPause: 0 });
    const claimed: string[] = [];
    worker.on('claimed', ({ thread }) => claimed.push(thread));
    expect(await worker.loop(3)).toBe(3);
    expect([...synced].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await queue.length(SyncHandler, new Route(0))).toBe(0);
    expect(await queue.length(SyncHandler, new Route(1))).toBe(0);
    expect(hooks.filter((hook) => hook === 'start')).toHaveLength(1 + claimed.length);
    expect(hooks.filter((hook) => hook === 'stop')).toHaveLength(1 + claimed.length);
    if (first === 1) expect(claimed).toHaveLength(2); // finished thread 1, hit the empty limit, claimed thread 0
  });

  it('loop(limit) handles exactly limit requests, cutting the last batch', async () => {
    const { storage, lock } = await open();
    const batches: number[][] = [];
    class CountHandler extends RequestHandler<number> {
      handle(...requests: number[]): void {
        batches.push(requests);
      }
    }
    const queue = new Queue(storage);
    await queue.register(CountHandler, ...Array.from({ length: 10 }, (_, n) => n));
    expect(await new Worker(lock, queue, { ...quick, batchSize: 4 }).loop(7)).toBe(7);
    expect(batches).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await queue.length(CountHandler)).toBe(3);
    expect(await new Worker(lock, queue, quick).loop(0)).toBe(0);
  });

  it("a handler's batchSize() overrides the worker's", async () => {
    const { storage, lock } = await open();
    const sizes: number[] = [];
    class SmallBatches extends RequestHandler<number> {
      override batchSize(): number {
        return 2;
      }
      handle(...requests: number[]): void {
        sizes.push(requests.length);
      }
    }
    const queue = new Queue(storage);
    await queue.register(SmallBatches, 1, 2, 3, 4, 5);
    await new Worker(lock, queue, quick).loop(5);
    expect(sizes).toEqual([2, 2, 1]);
  });
}
