import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource, MessageEncodingError } from '@conveyor/core';
import { describeShape } from './fixtures/describe-shape.js';
import { drainFailures, fixture, quiet, until } from './helpers.js';

/** Bodies that JSON would alter, each with the description the pool thread must see. */
const tricky: Array<[string, unknown]> = [
  [
    'a Map',
    new Map<unknown, unknown>([
      ['a', 1],
      [2, { b: [true] }],
    ]),
  ],
  ['a Set', new Set(['x', 1])],
  ['a Date', new Date('2026-12-01T10:00:00.000Z')],
  ['a BigInt', 12345678901234567890n],
  ['a Buffer', Buffer.from([0xff, 0xfe, 0x00])],
  ['a Uint8Array', new Uint8Array([1, 2, 3])],
  ['NaN, Infinity and -0', [Number.NaN, Number.POSITIVE_INFINITY, -0]],
  ['an undefined field', { kept: undefined, n: 1 }],
  ['an array with undefined', [1, undefined, 3]],
  ['plain JSON data', { n: 1, s: 'é€😀', list: [null, false, { deep: 'yes' }] }],
];

describe('faithful bodies', () => {
  it.each(tricky)('%s reaches the pool thread unchanged (or not at all)', async (_name, value) => {
    const source = new MemorySource<{ value: unknown; expected: string }>({ waitTime: 5 });
    source.send({ value, expected: describeShape(value) });
    expect(await drainFailures(source, { handlerModule: fixture('body-probe-handler.js'), maxHandlers: 1 })).toEqual([]);
    expect(source.consumedCount).toBe(1);
  });

  it('a message that cannot cross (a function, a class instance) fails with MessageEncodingError, at once, without a thread death or a loop', async () => {
    class Order {
      total = 1;
    }
    const source = new MemorySource<unknown>({ waitTime: 5 });
    source.send({ n: 1n, f: () => 1 }, { order: new Order() }, { value: 1, expected: describeShape(1) });
    const threadDeaths: unknown[] = [];
    let deliveries = 0;
    const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('body-probe-handler.js'), maxHandlers: 1 });
    consumer.on('threadDied', ({ error }) => threadDeaths.push(error));
    consumer.on('received', ({ count }) => (deliveries += count));
    await consumer.start();
    await until(() => source.deadLetters.length === 2 && source.size === 0 && source.inFlight === 0, 10_000, 'two dead letters');
    await until(() => source.consumedCount === 1, 10_000, 'the good one');
    await consumer.shutdown();
    expect(deliveries).toBe(3);
    expect(threadDeaths).toEqual([]);
    const errors = source.deadLetters.map((letter) => letter.error as MessageEncodingError);
    expect(errors.every((error) => error instanceof MessageEncodingError)).toBe(true);
    expect(errors.map((error) => error.path)).toEqual(['message.body.f', 'message.body.order']);
    expect(errors[0]!.message).toMatch(/message\.body\.f is a function/);
    expect(errors[1]!.message).toMatch(/an instance of Order/);
  });

  it("transfer: 'structured' sends everything as structured data", async () => {
    const source = new MemorySource<{ value: unknown; expected: string }>({ waitTime: 5 });
    const value = { when: new Date(0), tags: new Set(['a']) };
    source.send({ value, expected: describeShape(value) }, { value: 'plain', expected: describeShape('plain') });
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('body-probe-handler.js'),
      transfer: 'structured',
      maxHandlers: 1,
    });
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(source.consumedCount).toBe(2);
    expect(source.deadLetters).toEqual([]);
  });
});
