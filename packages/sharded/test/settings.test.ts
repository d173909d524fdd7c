import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import {
  MemoryLock,
  MemoryStorage,
  Queue,
  Worker,
  resolveLockSettings,
  resolveStorageSettings,
  resolveWorkerSettings,
  workerDefaults,
} from '@conveyor/sharded';

describe('settings', () => {
  it("have the original library's defaults (durations in milliseconds)", () => {
    expect(resolveWorkerSettings({}, {})).toEqual({
      acquireDelay: 1000,
      batchSize: 128,
      deferredRetryDelay: 1000,
      emptyLimit: 16,
      emptyPause: 100,
      recurrentCheckInterval: 30_000,
      recurrentTasksLimit: 1024,
      maxFailures: 5,
      acquireSample: 64,
    });
    expect(resolveLockSettings({}, {})).toEqual({ prefix: 'lock_', timeout: 10_000 });
    expect(resolveStorageSettings({}, {})).toEqual({ prefix: 'tube_' });
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
      QUEUE_LOCK_PREFIX: 'locks:',
      QUEUE_LOCK_TIMEOUT: '3',
      QUEUE_STORAGE_PREFIX: 'tubes:',
    };
    expect(resolveWorkerSettings({ batchSize: 64 }, env)).toMatchObject({
      acquireDelay: 2500,
      batchSize: 64,
      deferredRetryDelay: 0,
      emptyLimit: 0,
      emptyPause: 10,
      recurrentCheckInterval: 5000,
      recurrentTasksLimit: 10,
    });
    expect(resolveLockSettings({}, env)).toEqual({ prefix: 'locks:', timeout: 3000 });
    expect(resolveStorageSettings({}, env)).toEqual({ prefix: 'tubes:' });
    expect(Object.isFrozen(resolveWorkerSettings({}, env))).toBe(true);
  });

  it('reject invalid values with an error naming the variable or option and quoting the value', () => {
    expect(() => resolveWorkerSettings({}, { QUEUE_WORKER_BATCH_SIZE: 'lots' })).toThrow(
      new InvalidOptionError('QUEUE_WORKER_BATCH_SIZE', 'a positive integer', 'lots'),
    );
    expect(() => resolveWorkerSettings({}, { QUEUE_WORKER_EMPTY_PAUSE: '-1' })).toThrow(/QUEUE_WORKER_EMPTY_PAUSE/);
    expect(() => resolveLockSettings({}, { QUEUE_LOCK_TIMEOUT: '0' })).toThrow(/QUEUE_LOCK_TIMEOUT.*seconds > 0/);
    expect(() => resolveWorkerSettings({ batchSize: 0 }, {})).toThrow('Expected `batchSize` to be a positive integer, got `0` (number)');
    expect(() => resolveWorkerSettings({ emptyPause: Number.NaN }, {})).toThrow(InvalidOptionError);
    expect(() => new Worker(new MemoryLock(), new Queue(new MemoryStorage()), { maxFailures: 1.5 })).toThrow(/maxFailures/);
    expect(() => new MemoryLock({ timeout: -5 })).toThrow(/timeout/);
  });

  it('exports frozen defaults', () => {
    expect(Object.isFrozen(workerDefaults)).toBe(true);
  });
});
