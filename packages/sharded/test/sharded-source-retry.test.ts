// The retry discipline of the ShardedSource: only failures the handler saw are charged,
// a failing head is held back (retryBackoff) instead of looping hot, and the delivered
// message has the kit's shape. Memory drivers on a ManualClock: no real waiting.
import { describe, expect, it } from 'vitest';
import { MessageNotTakenError, ShutdownError, silentLogger } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { MemoryLock, MemoryStorage, Queue, RequestHandler, ShardedSource } from '@conveyor/sharded';
import type { ShardedMessage, ShardedSourceOptions } from '@conveyor/sharded';

class Letters extends RequestHandler<string> {
  handle(): void {}
}

async function open(options: ShardedSourceOptions = {}, bodies = ['a', 'b', 'c']) {
  const clock = new ManualClock();
  const storage = new MemoryStorage({ clock });
  const queue = new Queue(storage, { requestHandlers: [Letters] });
  await queue.registerMany(Letters, bodies);
  const lock = new MemoryLock({ clock });
  const source = new ShardedSource<string>(queue, lock, { logger: silentLogger, clock, waitTime: 0, ...options });
  const get = (): Promise<ShardedMessage<string>[]> => source.get(new AbortController().signal, { maxMessages: 100 });
  return { clock, storage, queue, lock, source, get, thread: queue.tube(Letters).thread };
}

describe('ShardedSource retry discipline', () => {
  it('delivers the kit shape: id stable across deliveries, body, receiveCount, receipt, and its route', async () => {
    const { source, get, clock } = await open({ retryBackoff: { baseMs: 100, capMs: 100, jitter: 'none' } });
    const first = await get();
    expect(first.map((message) => message.body)).toEqual(['a', 'b', 'c']);
    expect(first[0]).toEqual({
      id: 'Letters/0/0#0',
      body: 'a',
      receiveCount: 1,
      receipt: { delivery: 1, index: 0 },
      handlerName: 'Letters',
      thread: 'Letters/0',
      tube: 'Letters/0/0',
    });
    await source.release(first, new Error('boom'));
    await clock.advance(100);
    const again = await get();
    expect(again.map((message) => [message.id, message.receiveCount])).toEqual([
      ['Letters/0/0#0', 2],
      ['Letters/0/0#1', 2],
      ['Letters/0/0#2', 2],
    ]);
    await source.cleanup(again);
    await source.close();
  });

  it('messages released uncharged come back at once, uncounted, and are never dead-lettered', async () => {
    const { source, get, queue } = await open({ maxReceiveCount: 2 });
    for (let round = 0; round < 5; round++) {
      const messages = await get();
      expect(messages.map((message) => [message.body, message.receiveCount])).toEqual([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]);
      await source.release(messages, round % 2 === 0 ? new MessageNotTakenError() : new ShutdownError());
    }
    expect(await queue.deadLetters()).toEqual([]);
    await source.close();
  });

  it('a charged failure holds the thread through retryBackoff (here and for every other claimer), then the head comes first', async () => {
    const { source, get, clock, lock, thread } = await open({ retryBackoff: { baseMs: 500, capMs: 60_000, jitter: 'none' } });
    await source.release(await get(), new Error('boom'));
    expect(await get()).toEqual([]);
    expect(await lock.acquire(thread, 'another-process')).toBe(false);
    await clock.advance(499);
    expect(await get()).toEqual([]);
    await clock.advance(1);
    const second = await get();
    expect(second.map((message) => message.body)).toEqual(['a', 'b', 'c']);
    // The second failure waits twice as long.
    await source.release(second, new Error('boom'));
    await clock.advance(999);
    expect(await get()).toEqual([]);
    await clock.advance(1);
    expect(await get()).toHaveLength(3);
    await source.close();
  });

  it('a failing head never loops hot: a Consumer-like loop gets it a few times a second at most, then dead-letters it', async () => {
    const { source, get, clock, queue } = await open({ maxReceiveCount: 4 }); // the default backoff: 500 ms, doubling, jittered
    let deliveries = 0;
    for (let elapsed = 0; elapsed < 10_000; elapsed += 50) {
      const messages = await get();
      if (messages.length > 0) {
        deliveries++;
        await source.release(messages, new Error('poison'));
      }
      await clock.advance(50);
      if (elapsed === 1_000) expect(deliveries).toBeLessThanOrEqual(3);
    }
    expect(deliveries).toBe(4);
    expect((await queue.deadLetters()).map((letter) => letter.message)).toEqual(['a', 'b', 'c']);
    await source.close();
  });

  it('charged and uncharged messages of one delivery: at the limit only the charged one is dead-lettered', async () => {
    const { source, get, queue } = await open({ maxReceiveCount: 1 });
    const [a, b, c] = await get();
    await source.cleanup([a as ShardedMessage<string>]);
    await source.release([b as ShardedMessage<string>], new Error('b failed in the handler'));
    await source.release([c as ShardedMessage<string>], new MessageNotTakenError());
    expect((await queue.deadLetters()).map((letter) => letter.message)).toEqual(['b']);
    // Nothing was held back: the charged message went to the dead letters; c comes at once.
    expect((await get()).map((message) => [message.body, message.receiveCount])).toEqual([['c', 1]]);
    await source.close();
  });

  it('a delivery left unsettled for visibilityTimeout is let go and delivered again', async () => {
    const { get, clock, source } = await open({ visibilityTimeout: 1_000 });
    const first = await get();
    expect(first).toHaveLength(3);
    expect(await get()).toEqual([]);
    await clock.advance(1_000);
    const again = await get();
    expect(again.map((message) => message.id)).toEqual(first.map((message) => message.id));
    // The late settle of the first delivery is stale: ignored.
    await source.cleanup(first);
    expect(source.inFlight).toBe(3);
    await source.cleanup(again);
    expect(source.inFlight).toBe(0);
    await source.close();
  });

  it('close() ends a retry hold at once and lets the thread go', async () => {
    const { source, get, lock, thread } = await open({ retryBackoff: { baseMs: 60_000, capMs: 60_000 } });
    await source.release(await get(), new Error('boom'));
    expect(await lock.exists(thread)).toBe(true);
    await source.close();
    expect(await lock.exists(thread)).toBe(false);
  });
});
