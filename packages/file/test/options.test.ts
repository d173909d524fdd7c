import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import {
  FileQueueReader,
  FileQueueWriter,
  FileSource,
  UnserializableItemError,
  WriterClosedError,
  ReaderClosedError,
} from '@conveyor/file';
import { quiet, useTempQueues } from './helpers.js';

describe('options and misuse', () => {
  const queue = useTempQueues();

  it('bad options throw InvalidOptionError naming the option and quoting the value', () => {
    const directory = queue();
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => new FileQueueWriter({ directory: `${directory}/missing` }), 'directory', /an existing folder, got `".*missing"` \(string\)/],
      [() => new FileQueueWriter({ directory, maxRowsPerBatch: 0 }), 'maxRowsPerBatch', /a positive integer, got `0` \(number\)/],
      [() => new FileQueueWriter({ directory, maxBatchAge: -5 }), 'maxBatchAge', /got `-5`/],
      [() => new FileQueueWriter({ directory, onFull: 'block' as 'wait' }), 'onFull', /'wait' or 'drop', got `"block"`/],
      [() => new FileQueueWriter({ directory, maxAvailFiles: 1.5 }), 'maxAvailFiles', /positive integer or Infinity/],
      [() => new FileQueueWriter({ directory, synchronous: 'off' as 'full' }), 'synchronous', /'normal' or 'full'/],
      [() => new FileQueueWriter({ directory, maxEvents: 5 } as never), 'maxEvents', /known options/],
      [() => new FileQueueWriter({ directory, maxEventsPerFile: 5 } as never), 'maxEventsPerFile', /write `maxRowsPerBatch`/],
      [() => new FileQueueReader({ directory, maxReceiveCount: 0 }), 'maxReceiveCount', /positive integer or Infinity/],
      [() => new FileSource({ directory, visibilityTimeout: 0 }), 'visibilityTimeout', /> 0 or Infinity/],
      [() => new FileSource({ directory, retryBackoff: { baseMs: -1, capMs: 10 } }), 'retryBackoff.baseMs', /got `-1`/],
      [
        () => new FileQueueReader({ directory, retryBackoff: { baseMs: 10, capMs: 10, jitter: 'half' as 'full' } }),
        'retryBackoff.jitter',
        /'equal'/,
      ],
      [() => new FileSource({ directory, waitTime: Number.NaN }), 'waitTime', /got `NaN` \(number\)/],
      [() => new FileSource({ directory, batchSize: 5 } as never), 'batchSize', /known options/],
      [() => new FileSource(null as never), 'options', /an object/],
    ];
    for (const [make, option, message] of cases) {
      let thrown: unknown;
      try {
        make();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, option).toBeInstanceOf(InvalidOptionError);
      expect((thrown as InvalidOptionError).option).toBe(option);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('defaults are applied and frozen', () => {
    const directory = queue();
    const writer = new FileQueueWriter({ directory, ...quiet });
    expect(writer.options).toMatchObject({
      maxRowsPerBatch: 1000,
      maxBatchAge: 1000,
      maxAvailFiles: 1000,
      onFull: 'wait',
      synchronous: 'normal',
    });
    expect(Object.isFrozen(writer.options)).toBe(true);
    writer.close();
    const source = new FileSource({ directory, ...quiet });
    expect(source.options).toMatchObject({ maxMessagesPerGet: 1024, waitTime: 1000, visibilityTimeout: Number.POSITIVE_INFINITY });
    // The kit's retry discipline: ten receives, then the dead letters; a jittered exponential backoff before each retry.
    expect(source.options.reader).toMatchObject({
      recoverInterval: 5000,
      maxReceiveCount: 10,
      retryBackoff: { baseMs: 500, capMs: 60_000, jitter: 'equal' },
    });
    source.close();
  });

  it('items JSON cannot encode are refused; a closed writer or reader says so', () => {
    const directory = queue();
    const writer = new FileQueueWriter<unknown>({ directory, ...quiet });
    expect(() => writer.add(undefined)).toThrow(UnserializableItemError);
    expect(() => writer.add(10n)).toThrow(UnserializableItemError);
    writer.close();
    writer.close();
    expect(() => writer.add(1)).toThrow(WriterClosedError);
    const reader = new FileQueueReader({ directory, ...quiet });
    reader.close();
    expect(() => reader.claim()).toThrow(ReaderClosedError);
  });

  it('batches are read in creation order, even many made in the same millisecond', () => {
    const directory = queue();
    const writer = new FileQueueWriter<number>({ directory, maxRowsPerBatch: 1, maxAvailFiles: Number.POSITIVE_INFINITY, ...quiet });
    for (let n = 0; n < 60; n++) void writer.add(n);
    writer.close();
    const reader = new FileQueueReader<number>({ directory, ...quiet });
    const seen: number[] = [];
    for (let batch = reader.claim(); batch !== undefined; batch = reader.claim()) {
      seen.push(...batch.rows.map((row) => row.body));
      batch.consumeAll();
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, n) => n));
    reader.close();
  });
});
