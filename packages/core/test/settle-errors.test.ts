import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import type { MemoryMessage } from '@conveyor/core';
import { quiet, until } from './helpers.js';

describe('cleanup and release errors', () => {
  it('a throwing cleanup is reported and retried with backoff; the consumer goes on', async () => {
    const memory = new MemorySource<number>({ waitTime: 5 });
    memory.sendMany([1, 2, 3]);
    let failuresLeft = 2;
    const source = {
      get: memory.get.bind(memory),
      release: memory.release.bind(memory),
      cleanup(consumed: MemoryMessage<number>[]) {
        if (failuresLeft-- > 0) throw new Error('delete failed');
        memory.cleanup(consumed);
      },
    };
    const consumer = new Consumer(source, { ...quiet, handler: (bulk) => void [...bulk], bulkSize: 3, maxPollers: 1 });
    const errors: Array<{ attempt: number; willRetry: boolean }> = [];
    consumer.on('cleanupError', ({ attempt, willRetry }) => errors.push({ attempt, willRetry }));
    await consumer.start();
    await memory.drained();
    await consumer.shutdown();
    expect(errors).toEqual([
      { attempt: 1, willRetry: true },
      { attempt: 2, willRetry: true },
    ]);
    expect(memory.consumedCount).toBe(3);
  });

  it('a cleanup that keeps failing is given up after settleAttempts; the source delivers the messages again', async () => {
    const memory = new MemorySource<number>({ waitTime: 5, visibilityTimeout: 200 });
    memory.sendMany([1]);
    let cleanups = 0;
    const source = {
      get: memory.get.bind(memory),
      release: memory.release.bind(memory),
      cleanup(consumed: MemoryMessage<number>[]) {
        if (++cleanups <= 2) throw new Error('delete failed');
        memory.cleanup(consumed);
      },
    };
    const deliveries: number[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      settleAttempts: 2,
      maxPollers: 1,
      handler(bulk) {
        for (const message of bulk) deliveries.push(message.receiveCount);
      },
    });
    const givenUp: boolean[] = [];
    consumer.on('cleanupError', ({ willRetry }) => givenUp.push(!willRetry));
    await consumer.start();
    await memory.drained();
    await consumer.shutdown();
    expect(givenUp).toEqual([false, true]);
    expect(deliveries).toEqual([1, 2]);
    expect(memory.consumedCount).toBe(1);
  });

  it('a throwing release is retried; the message still comes back', async () => {
    const memory = new MemorySource<number>({ waitTime: 5 });
    memory.sendMany([7]);
    let releaseFailures = 1;
    const source = {
      get: memory.get.bind(memory),
      cleanup: memory.cleanup.bind(memory),
      release(failed: MemoryMessage<number>[], error: unknown) {
        if (releaseFailures-- > 0) throw new Error('change visibility failed');
        memory.release(failed, error);
      },
    };
    let attempts = 0;
    const consumer = new Consumer(source, {
      ...quiet,
      maxPollers: 1,
      handler(bulk) {
        for (const message of bulk) {
          void message;
          if (++attempts === 1) throw new Error('first attempt fails');
        }
      },
    });
    const releaseErrors: number[] = [];
    consumer.on('releaseError', ({ attempt }) => releaseErrors.push(attempt));
    await consumer.start();
    await until(() => memory.consumedCount === 1, 10_000, 'the message to be consumed on retry');
    await consumer.shutdown();
    expect(releaseErrors).toEqual([1]);
    expect(attempts).toBe(2);
  });
});
