import { describe, expect, it } from 'vitest';
import type { Bulk } from '@conveyor/core';
import { runParcel } from '../src/bulk/run-handler.js';

const messages = ['a', 'b', 'c', 'd', 'e', 'f'];
const bulkSizes = [2, 2, 2];

describe('running a parcel', () => {
  it('a synchronous handler: every bulk runs, in order, and a parcel all consumed reports nothing', async () => {
    const seen: string[] = [];
    const reports = await runParcel(
      (bulk: Bulk<string>) => {
        for (const message of bulk) seen.push(message);
      },
      messages,
      bulkSizes,
    );
    expect(seen).toEqual(messages);
    expect(reports).toBeUndefined();
  });

  it('a synchronous throw fails the message held; the next bulks still run', async () => {
    const seen: string[] = [];
    const boom = new Error('boom');
    const reports = await runParcel(
      (bulk: Bulk<string>) => {
        for (const message of bulk) {
          seen.push(message);
          if (message === 'c') throw boom;
        }
      },
      messages,
      bulkSizes,
    );
    expect(seen).toEqual(['a', 'b', 'c', 'e', 'f']);
    expect(reports?.[1]).toEqual({ taken: 1, marked: [], thrown: { error: boom } });
    expect(reports?.[0]).toBeUndefined();
    expect(reports?.[2]).toBeUndefined();
  });

  it('a handler that returns a promise, or any thenable, is awaited before the next bulk; a rejection fails the message held', async () => {
    const order: string[] = [];
    const later = (value: string): PromiseLike<void> => ({
      // A thenable that is not a Promise: settles on a later turn.
      then(resolve, reject) {
        setTimeout(() => {
          order.push(`settled ${value}`);
          if (value === 'e') reject?.(new Error(`no ${value}`));
          else resolve?.(undefined);
        }, 1);
        return Promise.resolve() as never;
      },
    });
    const reports = await runParcel(
      (bulk: Bulk<string>) => {
        const [first] = bulk;
        order.push(`ran ${first}`);
        return later(first as string);
      },
      messages,
      bulkSizes,
    );
    expect(order).toEqual(['ran a', 'settled a', 'ran c', 'settled c', 'ran e', 'settled e']);
    expect(reports?.[2]?.thrown?.error).toEqual(new Error('no e'));
    // The handler took one message of each bulk: the one it held failed, the other was never taken.
    expect(reports?.[2]?.taken).toBe(1);
    expect(reports?.[0]).toEqual({ taken: 1, marked: [] });
  });

  it('an async handler: its awaits and its marks are what the report says', async () => {
    const reports = await runParcel(
      async (bulk: Bulk<string>) => {
        for (const message of bulk) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (message === 'd') bulk.fail(message, new Error('no d'));
        }
      },
      messages,
      bulkSizes,
    );
    expect(reports?.[1]?.marked).toEqual([[1, new Error('no d')]]);
    expect(reports?.[0]).toBeUndefined();
  });
});
