// The Worker and the ShardedSource claim threads through one module (src/thread-claim.ts):
// from the same storage state they take the same threads, in the same order, skip the
// same ones, and wait the same way when nothing can be claimed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { MemoryLock, MemoryStorage, Queue, RequestHandler, Route, ShardedSource, Worker } from '@conveyor/sharded';
import type { ShardedMessage } from '@conveyor/sharded';

interface Job {
  readonly thread: number;
  readonly n: number;
  readonly urgent?: boolean;
}

/** What Alpha's batches handled, as `thread:n`. */
const handled: string[] = [];

class Alpha extends RequestHandler<Job> {
  static override route(...requests: Job[]): Route[] {
    return requests.map((request) => new Route(request.thread, request.urgent === true ? 1 : 0));
  }
  handle(...requests: Job[]): void {
    handled.push(...requests.map((request) => `Alpha/${request.thread}:${request.n}`));
  }
}

class Beta extends RequestHandler<number> {
  handle(): void {}
}

/** Samples every non-empty thread in one fixed order (names descending), so that two claimers can be compared. */
class FixedOrderStorage extends MemoryStorage {
  looks: number[] = [];
  readonly #clock: ManualClock | undefined;

  constructor(clock?: ManualClock) {
    super(clock === undefined ? {} : { clock });
    this.#clock = clock;
  }

  override async threads(max: number): Promise<string[]> {
    if (this.#clock !== undefined) this.looks.push(this.#clock.now());
    return (await super.threads(Number.MAX_SAFE_INTEGER)).sort().reverse().slice(0, max);
  }
}

/**
 * Alpha/4 (an urgent and a normal request), Alpha/3, Alpha/2 (locked by another
 * process), Alpha/1; Beta/0 (not wanted); Ghost/0 (no such request handler here).
 */
async function sameState(): Promise<{ queue: Queue; lock: MemoryLock }> {
  const storage = new FixedOrderStorage();
  const queue = new Queue(storage, { requestHandlers: [Alpha, Beta] });
  await queue.registerMany(Alpha, [
    { thread: 1, n: 1 },
    { thread: 2, n: 2 },
    { thread: 3, n: 3 },
    { thread: 4, n: 4 },
    { thread: 4, n: 5, urgent: true },
  ]);
  await queue.register(Beta, 7);
  await storage.append({ handlerName: 'Ghost', thread: 'Ghost/0', tube: 'Ghost/0/0', priority: 0, rank: 0 }, ['ghost'], false);
  const lock = new MemoryLock();
  expect(await lock.acquire('Alpha/2', 'another-process')).toBe(true);
  return { queue, lock };
}

function recordingLogger(warnings: string[]): Logger {
  return { ...silentLogger, warn: (_context, message) => void warnings.push(message) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Worker and ShardedSource claim threads alike', () => {
  it('from the same storage state: the same threads in the same order, most urgent tube first, skipping the same ones', async () => {
    const expected = ['Alpha/4:5', 'Alpha/4:4', 'Alpha/3:3', 'Alpha/1:1'];

    const forWorker = await sameState();
    const worker = new Worker(forWorker.lock, forWorker.queue, { logger: silentLogger, emptyLimit: 1, emptyPause: 0 });
    const unknownToWorker: string[] = [];
    worker.on('unknownRequestHandler', (error) => unknownToWorker.push(error.handlerName));
    handled.length = 0;
    for (let round = 0; round < expected.length; round++) expect(await worker.loop(1, { requestHandlers: [Alpha] })).toBe(1);
    const byWorker = [...handled];

    const forSource = await sameState();
    const warnings: string[] = [];
    const source = new ShardedSource<Job>(forSource.queue, forSource.lock, {
      requestHandlers: [Alpha],
      maxMessagesPerGet: 1,
      waitTime: 0,
      logger: recordingLogger(warnings),
    });
    const bySource: string[] = [];
    for (let round = 0; round < expected.length + 1; round++) {
      const messages: ShardedMessage<Job>[] = await source.get(new AbortController().signal, { maxMessages: 1 });
      bySource.push(...messages.map((message) => `${message.thread}:${message.body.n}`));
      await source.cleanup(messages);
    }
    await source.close();

    expect(byWorker).toEqual(expected);
    expect(bySource).toEqual(expected);
    // The thread of an unknown request handler is reported once, however often it is seen, and left alone.
    expect(unknownToWorker).toEqual(['Ghost']);
    expect(warnings.filter((message) => message.includes('`Ghost`'))).toHaveLength(1);
    for (const { queue } of [forWorker, forSource]) {
      expect(await queue.storage.length('Ghost/0/0')).toBe(1);
      expect(await queue.length(Beta)).toBe(1);
      expect(await queue.length(Alpha, new Route(2))).toBe(1);
    }
  });

  it('when nothing can be claimed, both look again on the same backoff (jittered, up to acquireDelay, waking for due checks)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1); // jitter at its top: the waits are exact
    const looksOf = async (claim: (queue: Queue, lock: MemoryLock, clock: ManualClock) => Promise<unknown>): Promise<number[]> => {
      const clock = new ManualClock(0);
      const storage = new FixedOrderStorage(clock);
      const queue = new Queue(storage, { requestHandlers: [Alpha] });
      await queue.register(Alpha, { thread: 1, n: 1 });
      const lock = new MemoryLock({ clock });
      expect(await lock.acquire('Alpha/1', 'another-process', 60_000)).toBe(true);
      const claiming = claim(queue, lock, clock);
      await clock.advance(3_000);
      await lock.release('Alpha/1', 'another-process');
      await clock.advance(1_000);
      await claiming;
      return storage.looks;
    };
    const options = { logger: silentLogger, acquireDelay: 1_000, deferredRetryDelay: 1_000 } as const;
    const byWorker = await looksOf((queue, lock, clock) => new Worker(lock, queue, { ...options, clock }).loop(1));
    const bySource = await looksOf(async (queue, lock, clock) => {
      const source = new ShardedSource(queue, lock, { ...options, clock, waitTime: 10_000 });
      const messages = await source.get(new AbortController().signal, { maxMessages: 1 });
      expect(messages).toHaveLength(1);
      await source.cleanup(messages);
    });
    // 50, 100, 200, 400 ms apart, then capped by the due check every second and by acquireDelay.
    expect(byWorker).toEqual([0, 50, 150, 350, 750, 1_000, 2_000, 3_000, 4_000]);
    expect(bySource).toEqual(byWorker);
  });

  it('a Worker holds a failing thread through its retry pause: no one else retries the head meanwhile', async () => {
    const clock = new ManualClock(0);
    const queue = new Queue(new MemoryStorage({ clock }));
    let attempts = 0;
    class Failing extends RequestHandler<number> {
      handle(): void {
        attempts++;
        throw new Error('failing head');
      }
    }
    await queue.register(Failing, 1);
    const lock = new MemoryLock({ clock });
    const worker = new Worker(lock, queue, { logger: silentLogger, clock, emptyPause: 100, acquireDelay: 1_000, maxFailures: 10 });
    const controller = new AbortController();
    const running = worker.loop(undefined, { signal: controller.signal });
    await clock.advance(1);
    expect(attempts).toBe(1);
    // The first pause is 50–100 ms (emptyPause with jitter): the lock is held through it.
    expect(await lock.acquire(queue.tube(Failing).thread, 'intruder')).toBe(false);
    await clock.advance(100);
    expect(attempts).toBe(2);
    controller.abort();
    expect(await running).toBe(0);
    expect(await lock.exists(queue.tube(Failing).thread)).toBe(false);
  });
});
