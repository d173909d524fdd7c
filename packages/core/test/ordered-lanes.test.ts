import { describe, expect, it } from 'vitest';
import { Consumer, InvalidOptionError, MemorySource } from '@conveyor/core';
import type { MemoryMessage, ReleaseReport } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { fixture, quiet, until, withOrderLog } from './helpers.js';

interface Keyed {
  key: number;
  seq: number;
  fail?: boolean;
}

/**
 * Drains `keys` × `perKey` messages, keys interleaved as producers write them, those that
 * `fails(key, seq)` failing once, through `handler` on 2 pool threads; returns the order log.
 */
async function drainKeyed(options: {
  readonly keys: number;
  readonly perKey: number;
  readonly fails: (key: number, seq: number) => boolean;
  readonly handler: string;
  readonly bulkSize: number;
  readonly retryBackoff: { readonly baseMs: number; readonly capMs: number };
}): Promise<{ readonly lines: string[]; readonly failing: number }> {
  const source = new MemorySource<Keyed>({ waitTime: 5, retryBackoff: options.retryBackoff, orderingKey: (body) => body.key });
  const bodies: Keyed[] = [];
  for (let seq = 0; seq < options.perKey; seq++)
    for (let key = 0; key < options.keys; key++) bodies.push({ key, seq, ...(options.fails(key, seq) ? { fail: true } : {}) });
  source.sendMany(bodies);
  const consumer = new Consumer(source, { ...quiet, handlerModule: fixture(options.handler), maxHandlers: 2, bulkSize: options.bulkSize });
  const lines = await withOrderLog(async () => {
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
  });
  return { lines, failing: bodies.filter((body) => body.fail).length };
}

describe('ordered lanes', () => {
  it('1,000 keys × 100 messages, 1 % failing, on 2 threads: every key in order, every key finished', async () => {
    const keys = 1_000;
    const perKey = 100;
    const { lines, failing } = await drainKeyed({
      keys,
      perKey,
      fails: (key, seq) => (key * 7 + seq * 13) % 100 === 0,
      handler: 'ordered-handler.js',
      bulkSize: 16,
      retryBackoff: { baseMs: 5, capMs: 20 },
    });
    const seen = new Map<number, number[]>();
    for (const line of lines) {
      const [key, seq] = line.split(' ').map(Number) as [number, number];
      (seen.get(key) ?? seen.set(key, []).get(key))!.push(seq);
    }
    expect(seen.size).toBe(keys);
    const inOrder = Array.from({ length: perKey }, (_, seq) => seq);
    for (const [key, seqs] of seen) expect(seqs, `key ${key}`).toEqual(inOrder);
    expect(failing).toBeGreaterThan(500);
  });

  it('a key’s message is never handed out before every earlier one of its key succeeded (chains of a key in one parcel)', async () => {
    const keys = 200;
    const perKey = 40;
    // Small bulks: a parcel carries each key's chain over several bulks, so a failure must hold the rest of its chain.
    const { lines } = await drainKeyed({
      keys,
      perKey,
      fails: (key, seq) => (key * 11 + seq * 7) % 25 === 0,
      handler: 'handout-log-handler.js',
      bulkSize: 4,
      retryBackoff: { baseMs: 2, capMs: 5 },
    });
    const succeeded = new Map<number, number>(); // key -> seqs succeeded so far
    let takes = 0;
    for (const line of lines) {
      const [what, key, seq] = line.split(' ') as [string, string, string];
      const done = succeeded.get(Number(key)) ?? 0;
      if (what === 'take') {
        takes++;
        expect(Number(seq), `key ${key} handed out ${seq} before ${done} succeeded`).toBe(done);
      } else {
        expect(Number(seq), `key ${key} finished out of order`).toBe(done);
        succeeded.set(Number(key), done + 1);
      }
    }
    expect([...succeeded.values()]).toEqual(new Array(keys).fill(perKey));
    expect(takes).toBeGreaterThan(keys * perKey); // the failed ones were handed out again
  });

  it('a failing message holds only its key: later ones of that key wait for it, other keys go on', async () => {
    const clock = new ManualClock(0);
    const source = new MemorySource<Keyed>({
      waitTime: 0,
      clock,
      retryBackoff: { baseMs: 1_000, jitter: 'none' },
      orderingKey: (body) => body.key,
    });
    source.sendMany([
      { key: 1, seq: 0, fail: true },
      { key: 1, seq: 1 },
      { key: 2, seq: 0 },
      { key: 1, seq: 2 },
      { key: 2, seq: 1 },
    ]);
    const handled: string[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      clock,
      maxPollers: 1,
      bulkSize: 1,
      handler(bulk) {
        for (const message of bulk) {
          if (message.body.fail === true && message.receiveCount === 1) throw new Error('first try');
          handled.push(`${message.body.key}/${message.body.seq}`);
        }
      },
    });
    await consumer.start();
    await until(() => handled.length === 2, 5_000, "key 2's messages");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handled).toEqual(['2/0', '2/1']); // key 1 waits for 1/0 (back after its 1 s backoff)
    await clock.advance(1_000);
    await until(() => handled.length === 5, 5_000, 'key 1, in order');
    await consumer.shutdown();
    expect(handled.slice(2)).toEqual(['1/0', '1/1', '1/2']);
  });

  it('a key moves on when its dead-lettered message will not come back (the source says so)', async () => {
    const source = new MemorySource<Keyed>({ waitTime: 5, maxReceiveCount: 1, orderingKey: (body) => body.key });
    source.sendMany([
      { key: 1, seq: 0, fail: true },
      { key: 1, seq: 1 },
    ]);
    const handled: string[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      handler(bulk) {
        for (const message of bulk) {
          if (message.body.fail === true) throw new Error('poison');
          handled.push(`${message.body.key}/${message.body.seq}`);
        }
      },
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(handled).toEqual(['1/1']);
    expect(source.deadLetters).toHaveLength(1);
  });

  it('a key whose failed message never comes back moves on after orderingHoldTimeout', async () => {
    const clock = new ManualClock(0);
    // A source that loses released messages (another consumer took them): nothing ever comes back.
    const source = new (class extends MemorySource<Keyed> {
      override release(failed: MemoryMessage<Keyed>[]): ReleaseReport<MemoryMessage<Keyed>> {
        this.cleanup(failed);
        return { deadLettered: [] };
      }
    })({ waitTime: 0, clock, orderingKey: (body) => body.key });
    source.sendMany([
      { key: 1, seq: 0, fail: true },
      { key: 1, seq: 1 },
    ]);
    const handled: number[] = [];
    const expired: unknown[] = [];
    const consumer = new Consumer(source, {
      ...quiet,
      clock,
      orderingHoldTimeout: 10_000,
      handler(bulk) {
        for (const message of bulk) {
          if (message.body.fail === true) throw new Error('gone');
          handled.push(message.body.seq);
        }
      },
    });
    consumer.on('orderingHoldExpired', (info) => expired.push(info));
    await consumer.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(handled).toEqual([]);
    await clock.advance(10_000);
    await until(() => handled.length === 1, 5_000, 'the key to move on');
    await consumer.shutdown();
    expect(expired).toHaveLength(1);
  });

  it('orderingKey: false turns lanes off; a bad orderingKey is refused', () => {
    const source = new MemorySource<Keyed>({ orderingKey: (body) => body.key });
    expect(new Consumer(source, { ...quiet, handler: () => {}, orderingKey: false }).options.orderingKey).toBe(false);
    expect(() => new Consumer(source, { ...quiet, handler: () => {}, orderingKey: 'key' as never })).toThrow(InvalidOptionError);
    expect(() => new MemorySource({ orderingKey: 3 as never })).toThrow(/orderingKey/);
  });
});
