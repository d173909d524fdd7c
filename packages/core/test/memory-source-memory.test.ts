import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '@conveyor/core';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** How many of `bodies` are still reachable, collected in a turn of its own (deref() keeps its target alive until the turn ends). */
async function stillReachable(bodies: readonly WeakRef<object>[]): Promise<number> {
  let left = bodies.length;
  for (let attempt = 0; attempt < 5 && left > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    left = bodies.filter((body) => body.deref() !== undefined).length;
  }
  return left;
}

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
