import { describe, expect, it } from 'vitest';
import { stillReachable } from '@conveyor/conformance';
import { FifoBacklog, KeyedBacklog } from '../src/backlog.js';
import type { Delivery } from '../src/delivery.js';

function delivery(tag: number, key?: string): Delivery<string> {
  return { tag, key, generation: 1, id: `m${tag}`, failures: 0 } as unknown as Delivery<string>;
}
const tags = (deliveries: readonly Delivery<string>[]): number[] => deliveries.map((each) => each.tag);

describe('FifoBacklog', () => {
  it('hands out in arrival order, at most the room asked for', () => {
    const backlog = new FifoBacklog<string>();
    for (let tag = 1; tag <= 5; tag++) backlog.push(delivery(tag));
    expect(tags(backlog.take(2))).toEqual([1, 2]);
    expect(tags(backlog.take(10))).toEqual([3, 4, 5]);
    expect(backlog.ready).toBe(false);
  });

  it('lets go of what it handed out while later deliveries still wait', async () => {
    const backlog = new FifoBacklog<string>();
    const handedOut: WeakRef<object>[] = [];
    // In a function of its own, so nothing here outlives it but the backlog.
    ((): void => {
      for (let tag = 1; tag <= 20; tag++) backlog.push(delivery(tag));
      for (const each of backlog.take(15)) handedOut.push(new WeakRef(each));
    })();
    expect(backlog.size).toBe(5);
    expect(await stillReachable(handedOut)).toBe(0);
    expect(tags(backlog.take(10))).toEqual([16, 17, 18, 19, 20]);
  });
});

describe('KeyedBacklog (ordered mode)', () => {
  it('hands out one delivery per key at a time, keys in parallel', () => {
    const backlog = new KeyedBacklog<string>();
    const [a1, b1, a2, a3, b2] = [delivery(1, 'a'), delivery(2, 'b'), delivery(3, 'a'), delivery(4, 'a'), delivery(5, 'b')];
    for (const each of [a1, b1, a2, a3, b2]) backlog.push(each);
    expect(tags(backlog.take(10))).toEqual([1, 2]);
    expect(backlog.take(10)).toEqual([]);
    backlog.settled(a1);
    expect(tags(backlog.take(10))).toEqual([3]);
    backlog.settled(b1);
    backlog.settled(a2);
    expect(tags(backlog.take(1))).toEqual([5]);
    expect(tags(backlog.take(1))).toEqual([4]);
  });

  it('a delivery is put back once: a second put back (a retry timer after a forget) leaves it alone', () => {
    const backlog = new KeyedBacklog<string>();
    const [a1, a2] = [delivery(1, 'a'), delivery(2, 'a')] as [Delivery<string>, Delivery<string>];
    backlog.push(a1);
    backlog.push(a2);
    expect(tags(backlog.take(10))).toEqual([1]);
    expect(backlog.isOut(a1)).toBe(true);
    backlog.putBack(a1);
    backlog.putBack(a1);
    expect(backlog.isOut(a1)).toBe(false);
    expect(backlog.size).toBe(2);
    expect(tags(backlog.take(10))).toEqual([1]);
    expect(backlog.take(10)).toEqual([]); // a1 is out again: a2 waits behind it
    backlog.settled(a1);
    expect(tags(backlog.take(10))).toEqual([2]);
  });

  it('a delivery put back goes out again before the later ones of its key; its key stays busy until then', () => {
    const backlog = new KeyedBacklog<string>();
    const [a1, a2] = [delivery(1, 'a'), delivery(2, 'a')] as [Delivery<string>, Delivery<string>];
    backlog.push(a1);
    backlog.push(a2);
    expect(tags(backlog.take(10))).toEqual([1]);
    // Held for its retry: nothing of key a goes out meanwhile.
    expect(backlog.take(10)).toEqual([]);
    backlog.putBack(a1);
    expect(tags(backlog.take(10))).toEqual([1]);
    backlog.settled(a1);
    expect(tags(backlog.take(10))).toEqual([2]);
  });

  it('settling a delivery that never held its key (dead-lettered on receipt) frees nothing', () => {
    const backlog = new KeyedBacklog<string>();
    const [a1, a2, stray] = [delivery(1, 'a'), delivery(2, 'a'), delivery(3, 'a')] as [
      Delivery<string>,
      Delivery<string>,
      Delivery<string>,
    ];
    backlog.push(a1);
    backlog.push(a2);
    expect(tags(backlog.take(10))).toEqual([1]);
    backlog.settled(stray);
    expect(backlog.take(10)).toEqual([]);
    expect(backlog.clear().map((each) => each.tag)).toEqual([2]);
    expect(backlog.size).toBe(0);
  });
});
