import { describe, expect, it } from 'vitest';
import { MemorySource } from '@conveyor/core';
import { stillReachable } from '@conveyor/conformance';

describe('MemorySource memory', () => {
  it('lets go of settled messages at once, even while an older delivery is still out', async () => {
    const source = new MemorySource<{ n: number }>({ waitTime: 0 });
    source.sendMany(Array.from({ length: 5_000 }, (_, n) => ({ n })));
    const signal = new AbortController().signal;
    // One message held all along (a long handler): its lease is older than all the others.
    const held = await source.get(signal, { maxMessages: 1 });
    const bodies: WeakRef<object>[] = [];
    const settleSome = async (): Promise<number> => {
      const messages = await source.get(signal, { maxMessages: 10 });
      for (const message of messages) bodies.push(new WeakRef(message.body));
      source.cleanup(messages);
      return messages.length;
    };
    while ((await settleSome()) > 0);
    expect(bodies).toHaveLength(4_999);
    // Settled messages were kept until the held one's visibility deadline (30 s), and the last
    // 1024 settled batches until the next compaction; now none is.
    expect(await stillReachable(bodies)).toBe(0);
    expect(source.inFlight).toBe(1);
    source.cleanup(held);
    expect(source.inFlight).toBe(0);
  });
});
