import { describe, expect, it } from 'vitest';
import { AckBook } from '../src/ack-book.js';

function book(tags: number): AckBook {
  const result = new AckBook();
  for (let tag = 1; tag <= tags; tag++) result.delivered(tag);
  return result;
}

describe('AckBook: one multiple ack where the finished tags are contiguous from the oldest open one', () => {
  it('acks a finished prefix with one multiple ack', () => {
    const acks = book(5);
    expect(acks.finish([1, 2, 3])).toEqual({ upTo: 3, singles: [] });
    expect(acks.size).toBe(2);
    expect(acks.finish([4, 5])).toEqual({ upTo: 5, singles: [] });
    expect(acks.size).toBe(0);
  });

  it('acks alone what finishes behind an open tag, and never acks an open tag', () => {
    const acks = book(6);
    expect(acks.finish([3, 4])).toEqual({ upTo: undefined, singles: [3, 4] });
    // 1 and 2 finish: the multiple ack covers 1–2 only (3 and 4 are acked already, 5 is open).
    expect(acks.finish([2, 1])).toEqual({ upTo: 2, singles: [] });
    expect(acks.has(5)).toBe(true);
    expect(acks.finish([6])).toEqual({ upTo: undefined, singles: [6] });
    expect(acks.finish([5])).toEqual({ upTo: 5, singles: [] });
  });

  it('skips tags nacked meanwhile, and ignores tags finished twice or never delivered', () => {
    const acks = book(4);
    acks.forget([1]);
    expect(acks.finish([2, 2, 9])).toEqual({ upTo: 2, singles: [] });
    acks.forget([3]);
    expect(acks.finish([4])).toEqual({ upTo: 4, singles: [] });
    expect(acks.finish([4])).toEqual({ upTo: undefined, singles: [] });
  });

  it('stays exact over many deliveries finished in random order: each acked once, no open tag under a multiple ack', () => {
    const acks = new AckBook();
    let seed = 7;
    const random = (below: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % below;
    const acked = new Set<number>();
    let open: number[] = [];
    let multiples = 0;
    for (let tag = 1; tag <= 5_000; tag++) {
      acks.delivered(tag);
      open.push(tag);
      if (tag % 50 !== 0 && tag !== 5_000) continue;
      // Finish a random part of the open tags, mostly the older ones (as bulks finish roughly in order).
      const finished = open.filter((each, index) => random(open.length) > index || random(4) === 0 || tag === 5_000);
      const { upTo, singles } = acks.finish(finished.slice().reverse());
      for (const single of singles) {
        expect(acked.has(single)).toBe(false);
        acked.add(single);
      }
      if (upTo !== undefined) {
        multiples++;
        for (const each of finished) if (each <= upTo) acked.add(each);
        for (const each of open) if (each <= upTo) expect(finished).toContain(each);
      }
      for (const each of finished) expect(acked.has(each)).toBe(true);
      open = open.filter((each) => !finished.includes(each));
      for (const each of open) expect(acks.has(each)).toBe(true);
    }
    expect(acks.size).toBe(0);
    expect(acked.size).toBe(5_000);
    expect(multiples).toBeGreaterThan(25);
  });
});
