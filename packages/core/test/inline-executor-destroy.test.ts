import { describe, expect, it } from 'vitest';
import type { Bulk } from '@conveyor/core';
import { InlineExecutor } from '../src/threads/inline-executor.js';

// p-queue 10 rejects the tasks clear() removes; the executor's contract is that run() never rejects.
describe('the inline executor on destroy()', () => {
  it('resolves parcels still waiting for a slot as lost by shutdown, and lets the running one finish', async () => {
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const seen: number[] = [];
    const executor = new InlineExecutor<number>(async (bulk: Bulk<number>) => {
      for (const message of bulk) {
        seen.push(message);
        if (message === 1) await blocked;
      }
    }, 1);
    const running = executor.run({ messages: [1], bulkSizes: [1] });
    const waiting = executor.run({ messages: [2, 3], bulkSizes: [2] });

    await executor.destroy();
    const lost = await waiting;
    // (src's ShutdownError, not the built package's: compare by code)
    expect(lost.outcome).toMatchObject({ lost: { code: 'SHUTDOWN', name: 'ShutdownError' } });
    expect(lost.busyMs).toBe(0);

    release();
    expect((await running).outcome).toEqual({ reports: undefined });
    expect(seen).toEqual([1]); // the waiting parcel never ran
  });

  it('runs parcels one slot at a time and reports a handler throw, not a rejection', async () => {
    const executor = new InlineExecutor<number>((bulk: Bulk<number>) => {
      for (const message of bulk) if (message === 2) throw new Error('two');
    }, 1);
    const result = await executor.run({ messages: [1, 2, 3], bulkSizes: [3] });
    expect('reports' in result.outcome && result.outcome.reports?.[0]).toMatchObject({ taken: 2 });
    await executor.close();
  });
});
