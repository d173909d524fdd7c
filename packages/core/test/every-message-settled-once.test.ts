import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Consumer } from '@conveyor/core';
import { BulkCursor } from '../src/bulk/bulk-cursor.js';
import { settleOne } from '../src/bulk/iterator-rule.js';
import { RecordingSource, quiet } from './helpers.js';

/** What a handler does with message i of a bulk: take it fine, mark it failed, throw while holding it, or stop before it. */
type Action = 'ok' | 'mark' | 'throw' | 'return';
const action = fc.constantFrom<Action>('ok', 'ok', 'ok', 'mark', 'throw', 'return');

function scriptedRun(messages: number[], actions: Action[]): ReturnType<BulkCursor<number>['returned']> {
  const cursor = new BulkCursor(messages);
  try {
    for (const message of cursor) {
      const todo = actions[message] ?? 'ok';
      if (todo === 'mark') cursor.fail(message, 'marked');
      if (todo === 'throw') throw new Error('thrown');
      if (todo === 'return') return cursor.returned();
    }
    return cursor.returned();
  } catch (error) {
    return cursor.threw(error);
  }
}

describe('every message ends in exactly one of cleanup or release', () => {
  it('the iterator rule partitions a bulk for any failure pattern (property)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 0, maxLength: 40 }), (actions) => {
        const messages = actions.map((_, index) => index);
        const report = scriptedRun(messages, actions);
        const { consumed, failed } = settleOne(messages, report);
        const failedIds = failed.flatMap((group) => group.messages);
        expect([...consumed, ...failedIds].sort((a, b) => a - b)).toEqual(messages);
        // The iterator rule: what was taken and not marked is consumed, except the message held at a throw.
        const stop = actions.findIndex((todo) => todo === 'throw' || todo === 'return');
        const lastConsumed = stop === -1 ? messages.length - 1 : actions[stop] === 'throw' ? stop - 1 : stop;
        const expectedConsumed = messages.filter((index) => index <= lastConsumed && actions[index] !== 'mark');
        expect(consumed).toEqual(expectedConsumed);
      }),
      { numRuns: 500 },
    );
  });

  it('a Consumer settles each delivery exactly once for random failure patterns (property, inline)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), async (actions, bulkSize) => {
        const source = new RecordingSource<number>({ waitTime: 5 });
        source.sendMany(actions.map((_, index) => index));
        const deliveries: number[] = [];
        const consumer = new Consumer(source, {
          ...quiet,
          bulkSize,
          maxPollers: 2,
          maxHandlers: 2,
          handler(bulk) {
            for (const message of bulk) {
              deliveries.push(message.id);
              // Each scripted fault happens on the first delivery only, so everything ends consumed.
              const todo = message.receiveCount === 1 ? actions[message.body] : 'ok';
              if (todo === 'mark') bulk.fail(message, new Error('marked'));
              if (todo === 'throw') throw new Error('thrown');
              if (todo === 'return') return;
            }
          },
        });
        await consumer.start();
        await source.drained();
        await consumer.shutdown();
        // Every message cleaned exactly once; every delivery settled exactly once (cleaned or released).
        expect([...source.cleaned].sort((a, b) => a - b)).toEqual(actions.map((_, index) => index + 1));
        expect(source.cleaned.length + source.releasedIds.length).toBe(source.delivered);
        // The handler saw no message more often than it was delivered.
        expect(deliveries.length).toBeLessThanOrEqual(source.delivered);
      }),
      { numRuns: 40 },
    );
  });
});
