import { describe, expect, it } from 'vitest';
import { stillReachable } from '@conveyor/conformance';
import { MemoryStorage } from '@conveyor/sharded';

describe('MemoryStorage memory', () => {
  it('lets go of settled messages while the rest of the tube waits', async () => {
    const storage = new MemoryStorage();
    const address = { handlerName: 'Job', thread: 'Job/0', tube: 'Job/0/0', priority: 0, rank: 0 };
    const settled: WeakRef<object>[] = [];
    await storage.append(
      address,
      Array.from({ length: 100 }, (_, n) => ({ n })),
      false,
    );
    // Settle the first 60, 10 at a time, in a function of its own: nothing of them stays here.
    const settleTen = async (): Promise<void> => {
      const peeked = await storage.peek(address.thread, 10);
      for (const message of peeked?.messages ?? []) settled.push(new WeakRef(message as object));
      await storage.settle({ tube: peeked!.tube, thread: peeked!.thread, offset: peeked!.offset, count: 10 });
    };
    for (let round = 0; round < 6; round++) await settleTen();
    expect(await storage.length(address.tube)).toBe(40);
    expect(await stillReachable(settled)).toBe(0);
  });
});
