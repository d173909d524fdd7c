import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Consumer, ConveyorError, InvalidOptionError, MemorySource } from '@conveyor/core';
import { checkNodeVersion } from '@conveyor/core/kit';
import { fixture, quiet, until } from './helpers.js';

describe("a source class's own handler", () => {
  it('runs on every pool thread when the source is given as a module (an instance per thread, same options)', async () => {
    const total = 200;
    const shared = new SharedArrayBuffer(4 * (total + 1));
    const cells = new Int32Array(shared);
    const consumer = new Consumer<{ body: number }>(
      { module: fixture('class-queue.js'), export: 'NumbersQueue', options: { total, shared } },
      { ...quiet, maxHandlers: 2, bulkSize: 4 },
    );
    expect(consumer.options.executor).toBe('threads');
    await consumer.start();
    await until(() => cells.slice(1).every((cell) => cell !== 0), 15_000, 'every message handled');
    await consumer.shutdown();
    const handledOn = new Set([...cells.slice(1)].map((cell) => cell - 1));
    expect(handledOn.has(threadId)).toBe(false); // never the main thread
    expect([...handledOn].every((id) => id > 0)).toBe(true);
    // One instance on the main thread (get/cleanup), one per pool thread (handler).
    expect(Atomics.load(cells, 0)).toBe(3);
  });

  it('a static handler is used as is', async () => {
    const shared = new SharedArrayBuffer(4 * 11);
    const consumer = new Consumer(
      { module: fixture('class-queue.js'), export: 'StaticQueue', options: { total: 10, shared } },
      { ...quiet, maxHandlers: 1 },
    );
    let consumed = 0;
    consumer.on('consumed', (messages) => (consumed += messages.length));
    await consumer.start();
    await until(() => consumed === 10, 10_000, 'ten consumed');
    await consumer.shutdown();
  });

  it('an object source with a handler runs it inline and says once how to use every core', async () => {
    const warnings: string[] = [];
    const logger = { ...quiet.logger, warn: (_context: object, message: string) => void warnings.push(message) };
    const source = Object.assign(new MemorySource<number>({ waitTime: 5 }), { handler: () => {} });
    const consumer = new Consumer(source, { logger });
    await consumer.start();
    await consumer.shutdown();
    expect(warnings.filter((message) => message.includes('give the source as a module'))).toHaveLength(1);
    const quietConsumer = new Consumer(source, { logger, executor: 'inline' });
    await quietConsumer.start();
    await quietConsumer.shutdown();
    expect(warnings.filter((message) => message.includes('give the source as a module'))).toHaveLength(1);
  });
});

describe('starting and stopping as users write it', () => {
  it('start() without await, then supervise({ blocking: true }), resolves on shutdown', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany([1, 2, 3]);
    const consumer = new Consumer(source, { ...quiet, handler: (bulk) => void [...bulk] });
    void consumer.start();
    const supervised = consumer.supervise({ blocking: true });
    await source.drained();
    await consumer.shutdown();
    await supervised;
    expect(consumer.stats.state).toBe('stopped');
  });

  it('supervise() alone starts a consumer that was never started', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    source.sendMany([1, 2]);
    const consumer = new Consumer(source, { ...quiet, handler: (bulk) => void [...bulk] });
    await consumer.supervise();
    expect(consumer.stats.state).toBe('running');
    await source.drained();
    await consumer.shutdown();
  });

  it('await using shuts the consumer down when the scope ends', async () => {
    const source = new MemorySource<number>({ waitTime: 5 });
    let escaped: Consumer<unknown> | undefined;
    {
      await using consumer = new Consumer(source, { ...quiet, handler: () => {} });
      await consumer.start();
      escaped = consumer as Consumer<unknown>;
    }
    expect(escaped.stats.state).toBe('stopped');
  });
});

describe('handler modules that survive compilation', () => {
  it('a .ts path falls back to its compiled .js sibling, and an extensionless path finds the module', () => {
    const consumer = new Consumer(new MemorySource(), { ...quiet, handlerModule: fixture('slow-handler.ts') });
    expect(consumer.options.handlerModule?.pathname.endsWith('/slow-handler.js')).toBe(true);
    const bare = new Consumer(new MemorySource(), { ...quiet, handlerModule: fixture('slow-handler') });
    expect(bare.options.handlerModule?.pathname.endsWith('/slow-handler.js')).toBe(true);
  });

  it('when nothing is found, the error names every path tried', () => {
    expect(() => new Consumer(new MemorySource(), { ...quiet, handlerModule: fixture('missing-handler.ts') })).toThrow(
      /tried .*missing-handler\.ts, .*missing-handler\.js/,
    );
  });
});

describe('habits from sqs-consumer and BullMQ', () => {
  it.each([
    ['batchSize', /did you mean `bulkSize`\?/],
    ['concurrency', /did you mean `maxHandlers`\?/],
    ['handleMessageBatch', /`handler`.*bulk\.all\(\)/],
    ['queueUrl', /new SqsSource\(\{ queueUrl \}\)/],
    ['visibilityTimeout', /visibilityTimeoutSeconds/],
  ])('`%s` is rejected with the Conveyor name', (option, hint) => {
    const create = (): unknown => new Consumer(new MemorySource(), { ...quiet, handler: () => {}, [option]: 10 });
    expect(create).toThrow(InvalidOptionError);
    expect(create).toThrow(hint);
  });
});

describe('Node.js version', () => {
  it('below the first Node that runs .ts handlers, a one-line error names the minimum', () => {
    expect(() => checkNodeVersion('20.20.2')).toThrow(ConveyorError);
    expect(() => checkNodeVersion('22.17.1')).toThrow(/needs Node\.js 22\.18\.0 or newer.*this is Node\.js 22\.17\.1/);
    expect(() => checkNodeVersion('22.18.0')).not.toThrow();
    expect(() => checkNodeVersion('24.1.0')).not.toThrow();
  });
});
