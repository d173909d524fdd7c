import { describe, expect, it } from 'vitest';
import { InvalidOptionError, consoleLogger } from '@conveyor/core';
import { systemClock } from '@conveyor/core/kit';
import {
  MemoryLock,
  MemoryStorage,
  Queue,
  ShardedSource,
  Worker,
  resolveLockOptions,
  resolveShardedSourceOptions,
  resolveStorageOptions,
  resolveWorkerOptions,
  workerDefaults,
} from '@conveyor/sharded';

describe('options', () => {
  it("have the original library's defaults (durations in milliseconds)", () => {
    expect(resolveWorkerOptions({}, {})).toEqual({
      acquireDelay: 1000,
      batchSize: 128,
      deferredRetryDelay: 1000,
      emptyLimit: 16,
      emptyPause: 100,
      recurrentCheckInterval: 30_000,
      recurrentTasksLimit: 1024,
      maxFailures: 5,
      acquireSample: 64,
      logger: consoleLogger,
      clock: systemClock,
    });
    expect(resolveLockOptions({}, {})).toEqual({ prefix: 'lock_', timeout: 10_000 });
    expect(resolveStorageOptions({}, {})).toEqual({ prefix: 'tube_' });
    expect(resolveShardedSourceOptions({}, {})).toMatchObject({ maxMessagesPerGet: 128, maxReceiveCount: 5, waitTime: 200 });
  });

  it('are read from QUEUE_* variables (seconds for durations), and code wins over the environment', () => {
    const env = {
      QUEUE_WORKER_ACQUIRE_DELAY: '2.5',
      QUEUE_WORKER_BATCH_SIZE: '512',
      QUEUE_WORKER_DEFERRED_RETRY_DELAY: '0',
      QUEUE_WORKER_EMPTY_LIMIT: '0',
      QUEUE_WORKER_EMPTY_PAUSE: '0.01',
      QUEUE_WORKER_RECURRENT_CHECK_INTERVAL: '5',
      QUEUE_WORKER_RECURRENT_TASKS_LIMIT: '10',
      QUEUE_WORKER_MAX_FAILURES: '3',
      QUEUE_LOCK_PREFIX: 'locks:',
      QUEUE_LOCK_TIMEOUT: '3',
      QUEUE_STORAGE_PREFIX: 'tubes:',
    };
    expect(resolveWorkerOptions({ batchSize: 64 }, env)).toMatchObject({
      acquireDelay: 2500,
      batchSize: 64,
      deferredRetryDelay: 0,
      emptyLimit: 0,
      emptyPause: 10,
      recurrentCheckInterval: 5000,
      recurrentTasksLimit: 10,
      maxFailures: 3,
    });
    expect(resolveLockOptions({}, env)).toEqual({ prefix: 'locks:', timeout: 3000 });
    expect(resolveStorageOptions({}, env)).toEqual({ prefix: 'tubes:' });
    // The source shares the worker's variables where it has the option.
    expect(resolveShardedSourceOptions({ maxReceiveCount: 7 }, env)).toMatchObject({ maxMessagesPerGet: 512, maxReceiveCount: 7 });
    expect(Object.isFrozen(resolveWorkerOptions({}, env))).toBe(true);
  });

  it('reject invalid values with an error naming the variable or option and quoting the value', () => {
    expect(() => resolveWorkerOptions({}, { QUEUE_WORKER_BATCH_SIZE: 'lots' })).toThrow(
      new InvalidOptionError('QUEUE_WORKER_BATCH_SIZE', 'a positive integer', 'lots'),
    );
    expect(() => resolveWorkerOptions({}, { QUEUE_WORKER_EMPTY_PAUSE: '-1' })).toThrow(/QUEUE_WORKER_EMPTY_PAUSE/);
    expect(() => resolveLockOptions({}, { QUEUE_LOCK_TIMEOUT: '0' })).toThrow(/QUEUE_LOCK_TIMEOUT.*seconds > 0/);
    expect(() => resolveWorkerOptions({ batchSize: 0 }, {})).toThrow('Expected `batchSize` to be a positive integer, got `0` (number)');
    expect(() => resolveWorkerOptions({ emptyPause: Number.NaN }, {})).toThrow(InvalidOptionError);
    expect(() => new Worker(new MemoryLock(), new Queue(new MemoryStorage()), { maxFailures: 1.5 })).toThrow(/maxFailures/);
    expect(() => new MemoryLock({ timeout: -5 })).toThrow(/timeout/);
    expect(() => new MemoryStorage({ serialized: 'yes' as never })).toThrow(/serialized/);
  });

  it('reject unknown keys, naming what an old or misspelt one is now', () => {
    const queue = new Queue(new MemoryStorage());
    expect(() => new Worker(new MemoryLock(), queue, { batchSise: 3 } as never)).toThrow(/did you mean `batchSize`/);
    expect(() => new ShardedSource(queue, new MemoryLock(), { maxFailures: 3 } as never)).toThrow(/renamed `maxReceiveCount`/);
    expect(() => new ShardedSource(queue, new MemoryLock(), { handlers: [] } as never)).toThrow(/renamed `requestHandlers`/);
    expect(() => new ShardedSource(queue, new MemoryLock(), { emptyLimit: 1 } as never)).toThrow(/a Worker option/);
    expect(() => new Worker({} as never, queue)).toThrow(/Expected `lock` to be a Lock/);
  });

  it('exports frozen defaults', () => {
    expect(Object.isFrozen(workerDefaults)).toBe(true);
  });
});
