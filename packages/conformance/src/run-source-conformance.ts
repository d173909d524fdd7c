import { afterEach, describe, expect, it } from 'vitest';
import { Consumer, MessageEncodingError, MessageNotTakenError, silentLogger } from '@conveyor/core';
import type { DeliveredMessage } from '@conveyor/core';
import type { Source } from '@conveyor/core';
import type { ConformanceFixture, ConformanceOptions } from './fixture.js';

/**
 * The Source contract as tests. Every source (memory, Redis, SQS, file) calls
 * this with a factory of fresh fixtures; the same behaviours are proven for all:
 * bulks, cleanup of consumed only, release of failed, redelivery, abort, close,
 * and nothing lost under a Consumer with failing handlers.
 */
export function runSourceConformance<M>(
  name: string,
  createFixture: () => Promise<ConformanceFixture<M>>,
  options: ConformanceOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 15_000;

  describe(`Source conformance: ${name}`, () => {
    let fixture: ConformanceFixture<M> | undefined;
    const open = async (): Promise<ConformanceFixture<M>> => (fixture = await createFixture());

    afterEach(async () => {
      if (fixture === undefined) return;
      const current = fixture;
      fixture = undefined;
      await current.source.close?.();
      await current.dispose();
    });

    it('get() returns every sent message, in bulks, then empty bulks', async () => {
      const { source, send, bodyOf } = await open();
      const sent = bodiesOf(25, 'bulk');
      await send(sent);
      const received = await receiveAll(source, 25, timeoutMs);
      expect(received.map(bodyOf).sort()).toEqual([...sent].sort());
      if (options.ordered === true) expect(received.map(bodyOf)).toEqual(sent);
      await source.cleanup?.(received);
      expect(await getOnce(source)).toEqual([]);
    });

    it('cleanup() removes only the messages it is given', async () => {
      const { source, send, bodyOf } = await open();
      await send(['keep-1', 'done-1', 'keep-2', 'done-2']);
      const received = await receiveAll(source, 4, timeoutMs);
      const done = received.filter((message) => bodyOf(message).startsWith('done'));
      const kept = received.filter((message) => bodyOf(message).startsWith('keep'));
      await source.cleanup?.(done);
      expect(typeof source.release, 'a source must release failed messages').toBe('function');
      await source.release?.(kept, new Error('handler failed'));
      const again = await receiveAll(source, 2, timeoutMs);
      expect(again.map(bodyOf).sort()).toEqual(['keep-1', 'keep-2']);
      await source.cleanup?.(again);
      expect(await getOnce(source)).toEqual([]);
    });

    it('release() of messages the handler never received (uncharged) makes them available again at once', async () => {
      const { source, send, bodyOf } = await open();
      await send(['untaken']);
      const [first] = await receiveAll(source, 1, timeoutMs);
      const started = Date.now();
      await source.release?.([first as M], new MessageNotTakenError());
      const [second] = await receiveAll(source, 1, timeoutMs);
      expect(bodyOf(second as M)).toBe('untaken');
      expect(Date.now() - started).toBeLessThan(Math.min(timeoutMs, 10_000));
      const count = (message: M): number | undefined => (message as Partial<DeliveredMessage>).receiveCount;
      if (count(first as M) !== undefined && options.countsEveryReceive !== true) expect(count(second as M)).toBe(count(first as M));
      await source.cleanup?.([second as M]);
    });

    it('release() with a charged failure makes the message available again, not before its retry delay', async () => {
      const { source, send, bodyOf } = await open();
      await send(['retry-me']);
      const [first] = await receiveAll(source, 1, timeoutMs);
      const started = Date.now();
      await source.release?.([first as M], new Error('boom'));
      const [second] = await receiveAll(source, 1, timeoutMs);
      expect(bodyOf(second as M)).toBe('retry-me');
      expect(Date.now() - started).toBeGreaterThanOrEqual((options.minRetryDelayMs ?? 0) - 5);
      const count = (message: M): number | undefined => (message as Partial<DeliveredMessage>).receiveCount;
      if (count(first as M) !== undefined) expect(count(second as M)).toBe((count(first as M) as number) + 1);
      await source.cleanup?.([second as M]);
    });

    it('release() of a message that can never be handled (MessageEncodingError) dead-letters it at once, where the source keeps dead letters', async (context) => {
      const fixture = await open();
      if (fixture.deadLetterCount === undefined) return context.skip();
      await fixture.send(['poison']);
      const [first] = await receiveAll(fixture.source, 1, timeoutMs);
      const before = await fixture.deadLetterCount();
      await fixture.source.release?.([first as M], new MessageEncodingError('message.body.f', 'a function'));
      expect(await fixture.deadLetterCount()).toBe(before + 1);
      expect(await getOnce(fixture.source)).toEqual([]);
    });

    it.skipIf(options.redeliveryAfterMs === undefined)('delivers again a message that was neither cleaned up nor released', async () => {
      const { source, send, bodyOf } = await open();
      await send(['orphan']);
      const [first] = await receiveAll(source, 1, timeoutMs);
      expect(bodyOf(first as M)).toBe('orphan');
      // The consumer "died": no cleanup, no release.
      const [again] = await receiveAll(source, 1, timeoutMs + (options.redeliveryAfterMs ?? 0));
      expect(bodyOf(again as M)).toBe('orphan');
      await source.cleanup?.([again as M]);
    });

    it('a get() long-polling on an empty queue returns soon after its signal aborts', async () => {
      const { source } = await open();
      const controller = new AbortController();
      const started = Date.now();
      const pending = Promise.resolve(source.get(controller.signal, { maxMessages: 10 })).catch((error: unknown) => error);
      setTimeout(() => controller.abort(), 50);
      const result = await pending;
      expect(Array.isArray(result) ? result : [], 'an aborted get() resolves empty or rejects').toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('under a Consumer whose handler fails randomly, every message is cleaned up exactly once', async () => {
      const { source, send, bodyOf } = await open();
      const sent = bodiesOf(60, 'consumer');
      await send(sent);
      const attempts = new Map<string, number>();
      const cleaned: string[] = [];
      const cleanup = source.cleanup?.bind(source);
      const watched: Source<M> = Object.assign(Object.create(source) as Source<M>, {
        get: source.get.bind(source),
        release: source.release?.bind(source),
        extend: source.extend?.bind(source),
        leaseDuration: source.leaseDuration?.bind(source),
        orderingKey: source.orderingKey?.bind(source),
        inspect: source.inspect?.bind(source),
        close: undefined,
        cleanup: async (consumed: M[]) => {
          for (const message of consumed) cleaned.push(bodyOf(message));
          await cleanup?.(consumed);
        },
      });
      const consumer = new Consumer(watched, {
        logger: silentLogger,
        maxPollers: 2,
        bulkSize: 7,
        handler(bulk) {
          for (const message of bulk) {
            const body = bodyOf(message);
            const attempt = (attempts.get(body) ?? 0) + 1;
            attempts.set(body, attempt);
            // Every third message fails on its first attempt: by throw or by mark.
            const index = Number(body.split('-')[1]);
            if (attempt === 1 && index % 3 === 0) {
              if (index % 2 === 0) throw new Error(`fail ${body}`);
              bulk.fail(message, new Error(`mark ${body}`));
            }
          }
        },
      });
      await consumer.start();
      const deadline = Date.now() + timeoutMs * 2;
      while (new Set(cleaned).size < sent.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await consumer.shutdown();
      expect([...cleaned].sort()).toEqual([...sent].sort());
    });

    it('inspect(), where the source has it, counts waiting and in-flight messages', async (context) => {
      const { source, send } = await open();
      if (source.inspect === undefined) return context.skip();
      const inspect = async (): Promise<{ waiting: number; inFlight?: number | undefined }> => source.inspect!();
      await send(['depth-1', 'depth-2', 'depth-3']);
      // Brokers count approximately and a little late: look again until the count settles.
      await eventually(async () => (await inspect()).waiting === 3, timeoutMs, 'waiting to be 3');
      const received = await receiveAll(source, 3, timeoutMs);
      await eventually(
        async () => {
          const depth = await inspect();
          return depth.waiting === 0 && (depth.inFlight === undefined || depth.inFlight === 3);
        },
        timeoutMs,
        'waiting 0 and 3 in flight',
      );
      await source.cleanup?.(received);
      await eventually(
        async () => {
          const depth = await inspect();
          return depth.waiting === 0 && (depth.inFlight === undefined || depth.inFlight === 0);
        },
        timeoutMs,
        'nothing left after cleanup',
      );
    });

    it('close() resolves', async () => {
      const { source } = await open();
      await source.close?.();
    });
  });
}

function bodiesOf(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}-${Math.random().toString(36).slice(2, 8)}`);
}

async function getOnce<M>(source: Source<M>): Promise<M[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 1_500);
  try {
    return [...(await source.get(controller.signal, { maxMessages: 100 }))];
  } catch (error) {
    if (controller.signal.aborted) return [];
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Calls get() until `count` messages came or `timeoutMs` passed. */
async function receiveAll<M>(source: Source<M>, count: number, timeoutMs: number): Promise<M[]> {
  const received: M[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const bulk = await getOnce(source);
    received.push(...bulk);
  }
  if (received.length < count) throw new Error(`Expected ${count} messages within ${timeoutMs} ms, received ${received.length}`);
  return received;
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
