// Deferred, recurrent and de-duplicated registration.
import { expect, it } from 'vitest';
import { RequestHandler, Queue, Worker } from '@conveyor/sharded';
import type { OpenDrivers } from './scenario-kit.js';
import { onClock, quick } from './scenario-kit.js';

export function schedulingScenarios(open: OpenDrivers): void {
  it('deferred requests reach their tube when due (ms precision), in registration order', async () => {
    const { storage, lock, clock, advance } = await open();
    const handled: string[] = [];
    class DropBucket extends RequestHandler<string> {
      handle(...requests: string[]): void {
        handled.push(...requests);
      }
    }
    const queue = new Queue(storage);
    expect(await queue.register(DropBucket, 'a', 'b', 'c', { defer: { milliseconds: 300 } })).toBe(3);
    expect(await queue.length(DropBucket)).toBe(0);
    expect(await storage.count('deferred')).toBe(3);
    expect((await queue.promoteDeferred()).due).toBe(0);
    expect(await queue.length(DropBucket)).toBe(0);

    // The worker sleeps until the due time it learnt, not a fixed polling delay (5 s here).
    const running = new Worker(lock, queue, { ...quick, acquireDelay: 5_000, ...onClock(clock) }).loop(3);
    await advance(150);
    expect(handled).toEqual([]);
    await advance(150);
    expect(await running).toBe(3);
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(await storage.count('deferred')).toBe(0);
    expect(await queue.length(DropBucket)).toBe(0);
  });

  it('deferred with ifNotExists: scheduled once, appended only if not waiting', async () => {
    const { storage, advance } = await open();
    class Reminder extends RequestHandler<string> {
      handle(): void {}
    }
    const queue = new Queue(storage);
    expect(await queue.register(Reminder, 'x', 'x', { defer: 0.05, ifNotExists: true })).toBe(1);
    expect(await queue.register(Reminder, 'x', { defer: 0.05, ifNotExists: true })).toBe(0);
    await queue.register(Reminder, 'x'); // already waiting when the deferred one is due
    await advance(80);
    expect((await queue.promoteDeferred()).due).toBe(1);
    expect(await queue.length(Reminder)).toBe(1);
  });

  it('recurrent: first run at registration, never duplicated while waiting, stopped by unregister', async () => {
    const { storage, lock, advance } = await open();
    const handled: number[] = [];
    class ValidateAccess extends RequestHandler<{ company: number }> {
      handle(...requests: { company: number }[]): void {
        handled.push(...requests.map((request) => request.company));
      }
    }
    const queue = new Queue(storage);
    const worker = new Worker(lock, queue, quick);
    const interval = { milliseconds: 200 };
    expect(await queue.register(ValidateAccess, { company: 1 }, { recurrent: interval })).toBe(1);
    expect(await queue.length(ValidateAccess)).toBe(1);
    expect(await storage.count('recurrent')).toBe(1);

    expect(await queue.register(ValidateAccess, { company: 1 }, { recurrent: interval })).toBe(1);
    expect(await queue.length(ValidateAccess)).toBe(1);
    expect(await storage.count('recurrent')).toBe(1);

    // A run falls due while the first one still waits: skipped, not piled up.
    await advance(250);
    await queue.promoteRecurrent();
    expect(await queue.length(ValidateAccess)).toBe(1);

    expect(await worker.loop(1)).toBe(1);
    expect(handled).toEqual([1]);
    // The next run (400 ms after registration, at least 250 ms ago) comes once the tube is empty.
    await advance(160);
    await queue.promoteRecurrent();
    expect(await queue.length(ValidateAccess)).toBe(1);

    expect(await queue.unregister(ValidateAccess, { company: 1 })).toBe(1);
    expect(await storage.count('recurrent')).toBe(0);
    expect(await worker.loop(1)).toBe(1);
    await advance(300);
    await queue.promoteRecurrent();
    expect(await queue.length(ValidateAccess)).toBe(0);
    expect(handled).toEqual([1, 1]);
  });

  it('ifNotExists skips requests already waiting and duplicates inside one call', async () => {
    const { storage } = await open();
    class ProlongateContracts extends RequestHandler<{ company: number }> {
      handle(): void {}
    }
    const queue = new Queue(storage);
    expect(await queue.register(ProlongateContracts, { company: 1 }, { ifNotExists: true })).toBe(1);
    expect(await queue.length(ProlongateContracts)).toBe(1);
    expect(await queue.register(ProlongateContracts, { company: 1 }, { ifNotExists: true })).toBe(0);
    expect(await queue.length(ProlongateContracts)).toBe(1);
    expect(await queue.register(ProlongateContracts, { company: 1 }, { ifNotExists: false })).toBe(1);
    expect(await queue.length(ProlongateContracts)).toBe(2);
    expect(await queue.register(ProlongateContracts, { company: 2 }, { company: 2 }, { company: 3 }, { ifNotExists: true })).toBe(2);
    expect(await queue.length(ProlongateContracts)).toBe(4);
  });
}
