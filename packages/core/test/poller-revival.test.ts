import { describe, expect, it } from 'vitest';
import { Consumer, InvalidSourceError, MemorySource } from '@conveyor/core';
import type { Bulk, GetHint, MemoryMessage } from '@conveyor/core';
import { quiet, until } from './helpers.js';

/** A memory source whose get() throws the first `failures` times. */
class FlakySource extends MemorySource<number> {
  failures: number;
  calls = 0;
  constructor(failures: number) {
    super({ waitTime: 10 });
    this.failures = failures;
  }
  override async get(signal: AbortSignal, hint?: GetHint): Promise<MemoryMessage<number>[]> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker unreachable');
    }
    return super.get(signal, hint);
  }
}

const consumeAll = (bulk: Bulk<MemoryMessage<number>>): void => {
  for (const message of bulk) void message;
};

describe('pollers', () => {
  it('a poller whose get() throws dies, is reported, and is revived by supervise', async () => {
    const source = new FlakySource(3);
    source.sendMany([1, 2, 3, 4, 5, 6]);
    const consumer = new Consumer(source, { ...quiet, handler: consumeAll, maxPollers: 1 });
    const died: unknown[] = [];
    const revived: number[] = [];
    consumer.on('pollerDied', ({ error }) => died.push(error));
    consumer.on('pollerRevived', ({ restarts }) => revived.push(restarts));
    await consumer.start();
    await consumer.supervise({ pollInterval: 10 });
    await source.drained();
    await consumer.shutdown();
    expect(died).toHaveLength(3);
    expect((died[0] as Error).message).toBe('broker unreachable');
    expect(revived).toEqual([1, 2, 3]);
    expect(source.consumedCount).toBe(6);
    expect(consumer.stats.pollerRestarts).toBe(3);
  });

  it('a get() that does not return an array kills the poller with InvalidSourceError', async () => {
    let calls = 0;
    const source = {
      async get() {
        calls++;
        return calls === 1 ? ('not an array' as unknown as number[]) : [];
      },
    };
    const consumer = new Consumer(source, { ...quiet, handler: () => {}, maxPollers: 1 });
    const died: unknown[] = [];
    consumer.on('pollerDied', ({ error }) => died.push(error));
    await consumer.start();
    await consumer.supervise({ pollInterval: 10 });
    await until(() => calls >= 2, 5_000, 'the revived poller to poll again');
    await consumer.shutdown();
    expect(died[0]).toBeInstanceOf(InvalidSourceError);
  });

  it('a listener that throws never kills a poller', async () => {
    const source = new MemorySource<number>({ waitTime: 10 });
    source.sendMany([1, 2, 3]);
    const consumer = new Consumer(source, { ...quiet, handler: consumeAll, maxPollers: 1 });
    const listenerErrors: string[] = [];
    consumer.on('received', () => {
      throw new Error('bad listener');
    });
    consumer.on('listenerError', ({ event }) => listenerErrors.push(event));
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(source.consumedCount).toBe(3);
    expect(listenerErrors).toContain('received');
    expect(consumer.stats.pollerRestarts).toBe(0);
  });
});
