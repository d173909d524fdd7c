/**
 * The scenarios of the original sharded queue (sharding, priorities, hooks and
 * claiming the next thread, deferred, recurrent, de-duplication), ported, plus
 * what this implementation adds (exact limits, fenced settles, failure counting,
 * charged and uncharged failures and dead letters, fair choice, locks with owners
 * and heartbeats, bad input). One suite, run for every storage/lock driver pair;
 * each pair says how its time passes (`Drivers.advance`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import type { Clock } from '@conveyor/core/kit';
import { RequestHandler, Queue, Route, Worker } from '@conveyor/sharded';
import type { Lock, Storage, TubeAddress, WorkerOptions } from '@conveyor/sharded';
import { until } from '../until.js';

/** Worker options for tests: silent, and no idle pauses to wait through. */
const quick = { logger: silentLogger, emptyPause: 0, emptyLimit: 1, acquireDelay: 20 } as const;

/**
 * A fresh storage and lock (unique prefix on a shared server), how time passes
 * for them, and how to remove them.
 */
export interface Drivers {
  readonly storage: Storage<unknown>;
  readonly lock: Lock;
  /**
   * The clock the drivers read (a `ManualClock` for the memory drivers); the
   * workers of the time-bound scenarios get it too. `undefined` for drivers
   * that read time elsewhere (Redis reads it on the server with `TIME`).
   */
  readonly clock?: Clock | undefined;
  /**
   * Lets `ms` of the drivers' time pass: advances the `ManualClock` (at once),
   * or waits for real (Redis). Scenarios that wait for lock expiry, heartbeats,
   * deferred and recurrent runs do it through this, never through a sleep of their own.
   */
  readonly advance: (ms: number) => Promise<void>;
  dispose(): Promise<void>;
}

export interface DriverOptions {
  /** Milliseconds the lock lives without a heartbeat. */
  readonly lockTimeout?: number;
}

/** Worker options that put a worker on the drivers' clock, when they have one. */
function onClock(clock: Clock | undefined): Pick<WorkerOptions, 'clock'> {
  return clock === undefined ? {} : { clock };
}

export function runShardedScenarios(name: string, openDrivers: (options?: DriverOptions) => Promise<Drivers>): void {
  describe(`sharded queue scenarios: ${name}`, () => {
    const opened: Drivers[] = [];
    const open = async (options?: DriverOptions): Promise<Drivers> => {
      const drivers = await openDrivers(options);
      opened.push(drivers);
      return drivers;
    };
    afterEach(async () => {
      for (const drivers of opened.splice(0)) await drivers.dispose();
    });

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

    it('tube choice is fair: later threads are not starved by earlier ones', async () => {
      const { storage, lock } = await open();
      const handled: number[] = [];
      class Spread extends RequestHandler<number> {
        static override route(...requests: number[]): Route[] {
          return requests.map((request) => new Route(request));
        }
        handle(...requests: number[]): void {
          handled.push(...requests);
        }
      }
      const queue = new Queue(storage);
      await queue.register(Spread, ...Array.from({ length: 20 }, (_, n) => n));
      const worker = new Worker(lock, queue, quick);
      for (let round = 0; round < 10; round++) await worker.loop(1);
      // Always taking the first threads would handle 0..9; random choice reaches the later ones.
      expect(handled.some((thread) => thread >= 10)).toBe(true);
      expect(new Set(handled).size).toBe(10);
    });

    it('an unknown handler and a malformed message are reported and skipped, the worker carries on', async () => {
      const { storage, lock } = await open();
      // A storage that keeps values has nothing to deserialize: there, only the unknown handler applies.
      const text = storage.encoding === 'text';
      const handled: string[] = [];
      class Known extends RequestHandler<string> {
        handle(...requests: string[]): void {
          handled.push(...requests);
        }
      }
      const queue = new Queue(storage);
      const ghost: TubeAddress = { handlerName: 'Ghost', thread: 'Ghost/0', tube: 'Ghost/0/0', priority: 0, rank: 0 };
      await storage.append(ghost, ['"boo"'], false);
      if (text) await storage.append(queue.tube(Known), ['{not json'], false);
      await queue.register(Known, 'ok-1', 'ok-2');
      const worker = new Worker(lock, queue, quick);
      const unknown: string[] = [];
      const malformed: string[] = [];
      worker.on('unknownRequestHandler', (error) => unknown.push(error.handlerName));
      worker.on('malformed', (error) => malformed.push(error.storedMessage));
      expect(await worker.loop(2)).toBe(2);
      expect(handled).toEqual(['ok-1', 'ok-2']);
      expect(malformed).toEqual(text ? ['{not json'] : []);
      expect((await queue.deadLetters()).map((letter) => letter.message)).toEqual(text ? ['{not json'] : []);
      // Another process may know Ghost: its requests stay.
      expect(await storage.length('Ghost/0/0')).toBe(1);
      if (unknown.length > 0) expect(unknown).toEqual(['Ghost']);
    });

    it('locks have owners and expire', async () => {
      const { lock, advance } = await open();
      expect(await lock.acquire('t', 'owner')).toBe(true);
      expect(await lock.acquire('t', 'other')).toBe(false);
      expect(await lock.extend('t', 'other')).toBe(false);
      expect(await lock.release('t', 'other')).toBe(false);
      expect(await lock.exists('t')).toBe(true);
      expect(await lock.extend('t', 'owner')).toBe(true);
      expect(await lock.release('t', 'owner')).toBe(true);
      expect(await lock.exists('t')).toBe(false);

      expect(await lock.acquire('short', 'owner', 150)).toBe(true);
      await advance(100);
      expect(await lock.exists('short')).toBe(true);
      await advance(100);
      expect(await lock.exists('short')).toBe(false);
      expect(await lock.acquire('short', 'other')).toBe(true);
      expect(await lock.release('short', 'owner')).toBe(false);
      expect(await lock.release('short', 'other')).toBe(true);
    });

    it('a heartbeat keeps the lock of a long batch alive; it is released afterwards', async () => {
      const { storage, lock, clock, advance } = await open({ lockTimeout: 300 });
      let started = false;
      let finish: () => void = () => {};
      const finished = new Promise<void>((resolve) => (finish = resolve));
      class Slow extends RequestHandler<number> {
        async handle(): Promise<void> {
          started = true;
          await finished;
        }
      }
      const queue = new Queue(storage);
      await queue.register(Slow, 1);
      const running = new Worker(lock, queue, { ...quick, ...onClock(clock) }).loop(1);
      await until(() => started, 5_000, 'the batch to start');
      await advance(700); // more than twice the lock timeout
      expect(await lock.exists(queue.tube(Slow).thread)).toBe(true);
      expect(await lock.acquire(queue.tube(Slow).thread, 'intruder')).toBe(false);
      finish();
      expect(await running).toBe(1);
      expect(await lock.exists(queue.tube(Slow).thread)).toBe(false);
    });

    it('a thread held by a dead worker is free once its lock expires, and nothing is lost', async () => {
      const { storage, lock, clock, advance } = await open();
      const handled: number[] = [];
      class Work extends RequestHandler<number> {
        handle(...requests: number[]): void {
          handled.push(...requests);
        }
      }
      const queue = new Queue(storage);
      await queue.register(Work, 1, 2, 3);
      const thread = queue.tube(Work).thread;
      // The dead worker: it took the lock and peeked, then vanished without a heartbeat.
      expect(await lock.acquire(thread, 'dead-worker', 400)).toBe(true);
      const peeked = await storage.peek(thread, 2);
      expect(peeked?.messages.map((message) => queue.decode(peeked.tube, message))).toEqual([1, 2]);
      const running = new Worker(lock, queue, { ...quick, acquireDelay: 50, ...onClock(clock) }).loop(3);
      await advance(200);
      expect(handled).toEqual([]); // the thread is still locked
      await advance(250); // past the 400 ms, and a whole acquireDelay more
      expect(await running).toBe(3);
      expect(handled).toEqual([1, 2, 3]);
    });

    it('stop() ends a loop without a limit after its current batch', async () => {
      const { storage, lock } = await open();
      const handled: number[] = [];
      class Work extends RequestHandler<number> {
        handle(...requests: number[]): void {
          handled.push(...requests);
        }
      }
      const queue = new Queue(storage);
      const worker = new Worker(lock, queue, { ...quick, acquireDelay: 20 });
      const running = worker.loop();
      await queue.register(Work, 1, 2);
      await until(() => handled.length === 2, 5_000, 'the requests');
      worker.stop();
      expect(await running).toBe(2);
    });
  });
}
