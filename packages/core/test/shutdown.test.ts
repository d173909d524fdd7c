import { describe, expect, it } from 'vitest';
import { Consumer, ConsumerStateError, MemorySource, ShutdownError } from '@conveyor/core';
import { RecordingSource, bodies, fixture, quiet, sorted, until } from './helpers.js';

describe('shutdown', () => {
  it('drains running and waiting bulks: nothing lost, nothing cleaned twice', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(200, () => ({ sleep: 1 })));
    const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('scripted-handler.js'), maxHandlers: 2, bulkSize: 10 });
    await consumer.start();
    await until(() => source.cleaned.length >= 20, 10_000, 'some progress');
    await consumer.shutdown();
    const cleaned = source.cleaned;
    expect(new Set(cleaned).size).toBe(cleaned.length);
    // What was not cleaned is still in the source, ready for the next consumer.
    expect(cleaned.length + source.size).toBe(200);
    expect(source.inFlight).toBe(0);
    expect(consumer.stats.state).toBe('stopped');
  });

  it('cannot be started again, and a second start while running is refused', async () => {
    const consumer = new Consumer(new MemorySource<number>({ waitTime: 5 }), { ...quiet, handler: () => {} });
    await consumer.start();
    await expect(consumer.start()).rejects.toThrow(/already started/);
    await consumer.shutdown();
    await expect(consumer.start()).rejects.toBeInstanceOf(ConsumerStateError);
    await expect(consumer.start()).rejects.toThrow(/cannot be started again/);
  });

  it('is idempotent and emits shutdown once', async () => {
    const consumer = new Consumer(new MemorySource<number>({ waitTime: 5 }), { ...quiet, handler: () => {} });
    let events = 0;
    consumer.on('shutdown', () => events++);
    await consumer.start();
    await Promise.all([consumer.shutdown(), consumer.shutdown()]);
    await consumer.shutdown();
    expect(events).toBe(1);
  });

  it('after shutdownTimeout, gives running and waiting bulks back to the source', async () => {
    const source = new RecordingSource<number>();
    source.sendMany([1, 2, 3, 4]);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const consumer = new Consumer(source, {
      ...quiet,
      maxHandlers: 1,
      maxPollers: 1,
      bulkSize: 1,
      shutdownTimeout: 100,
      async handler(bulk) {
        for (const message of bulk) void message;
        await stuck;
      },
    });
    await consumer.start();
    await until(() => source.inFlight === 4, 5_000, 'all four in flight');
    await consumer.shutdown();
    // Three bulks never started: released with ShutdownError. The stuck one comes back by visibility timeout.
    expect(sorted(source.releasedIds)).toEqual([2, 3, 4]);
    expect(source.released[0]!.error).toBeInstanceOf(ShutdownError);
    expect(source.cleaned).toEqual([]);
    release();
  });

  it('past shutdownTimeout on pool threads, running bulks go back uncharged and no thread death is reported', async () => {
    const source = new RecordingSource();
    source.sendMany(bodies(4, () => ({ hangOnFirst: true })));
    const warnings: string[] = [];
    const logger = { ...quiet.logger, warn: (_context: object, message: string) => void warnings.push(message) };
    const consumer = new Consumer(source, {
      logger,
      handlerModule: fixture('scripted-handler.js'),
      maxHandlers: 2,
      maxPollers: 1,
      bulkSize: 1,
      shutdownTimeout: 200,
    });
    const died: unknown[] = [];
    consumer.on('threadDied', ({ error }) => died.push(error));
    await consumer.start();
    await until(() => source.inFlight === 4, 5_000, 'all four in flight');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await consumer.shutdown();
    expect(died).toEqual([]);
    expect(warnings.filter((message) => /thread died/.test(message))).toEqual([]);
    expect(sorted(source.releasedIds)).toEqual([1, 2, 3, 4]);
    expect(source.released.every((entry) => entry.error instanceof ShutdownError)).toBe(true);
    // Uncharged: none of them counts as a delivery.
    expect(source.size).toBe(4);
    const again = await source.get(new AbortController().signal, { maxMessages: 4 });
    expect(again.map((message) => message.receiveCount)).toEqual([1, 1, 1, 1]);
  });

  it('an aborted options.signal shuts the consumer down', async () => {
    const controller = new AbortController();
    const consumer = new Consumer(new MemorySource<number>({ waitTime: 5 }), { ...quiet, handler: () => {}, signal: controller.signal });
    await consumer.start();
    const blocking = consumer.supervise({ blocking: true, pollInterval: 10 });
    controller.abort();
    await blocking;
    expect(consumer.stats.state).toBe('stopped');
  });

  it('supervise({ blocking: true }) shuts down gracefully on SIGTERM', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    const consumer = new Consumer(source, { ...quiet, handler: (bulk) => void [...bulk] });
    await consumer.start();
    const blocking = consumer.supervise({ blocking: true, pollInterval: 10 });
    process.emit('SIGTERM', 'SIGTERM');
    await blocking;
    expect(consumer.stats.state).toBe('stopped');
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('shutdown with a source that ignores its abort signal', () => {
  it('does not wait past shutdownTimeout for a get() that never returns', async () => {
    let calls = 0;
    const stubborn = {
      get: () => {
        calls++;
        return new Promise<number[]>(() => {}); // ignores the signal, never settles
      },
    };
    const consumer = new Consumer(stubborn, { ...quiet, handler: () => {}, maxPollers: 2, shutdownTimeout: 100 });
    await consumer.start();
    await until(() => calls === 2, 5_000, 'both pollers to call get()');
    await consumer.shutdown();
    expect(consumer.stats.state).toBe('stopped');
  });
});
