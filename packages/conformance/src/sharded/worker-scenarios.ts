// Workers: fair choice, bad input, locks with owners and heartbeats, stopping.
import { expect, it } from 'vitest';
import { RequestHandler, Queue, Route, Worker } from '@conveyor/sharded';
import type { TubeAddress } from '@conveyor/sharded';
import { until } from '../until.js';
import type { OpenDrivers } from './scenario-kit.js';
import { onClock, quick } from './scenario-kit.js';

export function workerScenarios(open: OpenDrivers): void {
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
}
