import { describe, expect, it } from 'vitest';
import { Consumer, HandlerModuleError, InvalidOptionError, InvalidSourceError, MemorySource } from '@conveyor/core';
import { fixture, quiet } from './helpers.js';

const source = (): MemorySource<number> => new MemorySource<number>({ waitTime: 5 });
const handler = (): void => {};

describe('option validation', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['bulkSize', { bulkSize: 0 }, /Expected `bulkSize` to be a positive integer, got `0` \(number\)/],
    ['bulkSize', { bulkSize: 1.5 }, /`bulkSize`.*`1.5`/],
    ['maxPollers', { maxPollers: -1 }, /`maxPollers`.*`-1` \(number\)/],
    ['maxHandlers', { maxHandlers: '4' }, /`maxHandlers`.*`"4"` \(string\)/],
    ['pollInterval', { pollInterval: Number.NaN }, /`pollInterval`.*finite/],
    ['maxInFlight', { maxInFlight: 2, bulkSize: 4 }, /`maxInFlight` to be at least `bulkSize`/],
    ['executor', { executor: 'processes' }, /`executor` to be 'threads' or 'inline'/],
    ['transfer', { transfer: 'msgpack' }, /`transfer`/],
    ['handler', { handler: 'not a function' }, /`handler` to be a function/],
    ['handlerModule', { handlerModule: './does-not-exist.js' }, /`handlerModule` to be the path of an existing module file/],
    ['handlerModule', { handlerModule: 'https://example.com/h.js' }, /`handlerModule` to be a file path/],
    ['shutdownTimeout', { shutdownTimeout: -5 }, /`shutdownTimeout`/],
    ['logger', { logger: { info() {} } }, /`logger` to be a logger with debug, info, warn and error methods/],
    ['signal', { signal: 'stop' }, /`signal` to be an AbortSignal/],
    ['unknown', { bulksize: 10 }, /`bulksize` to be one of the known options/],
  ];
  it.each(bad)('rejects a bad %s with InvalidOptionError naming it', (option, options, message) => {
    const create = (): unknown => new Consumer(source(), { handler, ...options });
    expect(create).toThrow(InvalidOptionError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      expect((error as InvalidOptionError).code).toBe('INVALID_OPTION');
      expect((error as InvalidOptionError).option).toBe(option === 'unknown' ? 'bulksize' : option);
    }
  });

  it('needs a handler: from options, the source, or a module', () => {
    expect(() => new Consumer(source(), {})).toThrow(/`handler` to be a function \(or a source with a `handler` method/);
    expect(() => new Consumer(source(), { executor: 'threads' })).toThrow(/`handlerModule`/);
  });

  it('rejects objects that are not sources', () => {
    expect(() => new Consumer({} as never)).toThrow(InvalidSourceError);
    expect(() => new Consumer({ get: () => [], cleanup: 'yes' } as never, { handler })).toThrow(/source.cleanup must be a function/);
  });

  it('applies documented defaults', () => {
    const consumer = new Consumer(source(), { handler });
    expect(consumer.options.bulkSize).toBe(1);
    expect(consumer.options.executor).toBe('inline');
    expect(consumer.options.maxInFlight).toBeGreaterThanOrEqual(1024);
    expect(Object.isFrozen(consumer.options)).toBe(true);
    expect(new Consumer(source(), { handlerModule: fixture('scripted-handler.js') }).options.executor).toBe('threads');
  });
});

describe('handler modules', () => {
  it('start() rejects with HandlerModuleError when the export is missing, naming what the module exports', async () => {
    const consumer = new Consumer(source(), { ...quiet, handlerModule: fixture('no-default-export.js') });
    await expect(consumer.start()).rejects.toThrow(HandlerModuleError);
    await expect(new Consumer(source(), { ...quiet, handlerModule: fixture('no-default-export.js') }).start()).rejects.toThrow(
      /exports: notAHandler/,
    );
  });

  it('start() rejects with HandlerModuleError when the module throws on import', async () => {
    const consumer = new Consumer(source(), { ...quiet, handlerModule: fixture('throws-on-import.js') });
    await expect(consumer.start()).rejects.toThrow(/this module fails to load/);
  });

  it('handlerExport picks a named export', async () => {
    const memory = source();
    memory.sendMany([1, 2, 3]);
    const consumer = new Consumer(memory, {
      ...quiet,
      handlerModule: fixture('named-export-handler.js'),
      handlerExport: 'handle',
      maxHandlers: 1,
    });
    await consumer.start();
    await memory.drained();
    await consumer.shutdown();
    expect(memory.consumedCount).toBe(3);
  });

  it('poolInitializer runs once in each pool thread before the handler', async () => {
    const memory = source();
    memory.sendMany(Array.from({ length: 50 }, (_, n) => n));
    const consumer = new Consumer(memory, {
      ...quiet,
      handlerModule: fixture('initialized-check-handler.js'),
      poolInitializer: fixture('initializer.js'),
      maxHandlers: 2,
    });
    const failed: unknown[] = [];
    consumer.on('failed', (_messages, error) => failed.push(error));
    await consumer.start();
    await memory.drained();
    await consumer.shutdown();
    expect(failed).toEqual([]);
    expect(memory.consumedCount).toBe(50);
  });
});
