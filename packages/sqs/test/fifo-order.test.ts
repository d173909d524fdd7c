import { describe, expect, it } from 'vitest';
import { FifoOrder } from '../src/fifo-order.js';
import { SqsFifoGroupError } from '../src/index.js';

// Several messages of one group in one delivery: what AWS returns and fauxqs does not
// (it returns one message per group per receive), so the rule is proven here.
interface L {
  readonly groupId: string | undefined;
  readonly id: string;
  readonly receipt: string;
}
const lease = (id: string, groupId = 'g'): L => ({ groupId, id, receipt: `rh-${id}` });
const ids = (leases: readonly L[]): string[] => leases.map((item) => item.id);

describe('FifoOrder', () => {
  it('deletes consumed messages of a group in delivery order only', () => {
    const order = new FifoOrder<L>();
    const [a, b, c] = [lease('a'), lease('b'), lease('c')];
    for (const item of [a, b, c]) order.add(item);
    const early = order.consumed(c);
    expect(ids(early.remove)).toEqual([]);
    expect(ids(early.waiting)).toEqual(['c']);
    expect(ids(order.consumed(b).remove)).toEqual([]);
    expect(ids(order.consumed(a).remove)).toEqual(['a', 'b', 'c']);
    expect(order.size).toBe(0);
  });

  it('releases the later messages of a group when one fails, whatever happened to them', () => {
    const order = new FifoOrder<L>();
    const [a, b, c, d] = [lease('a'), lease('b'), lease('c'), lease('d')];
    const other = lease('x', 'other');
    for (const item of [a, b, c, d, other]) order.add(item);
    expect(ids(order.consumed(a).remove)).toEqual(['a']);
    expect(ids(order.consumed(c).remove)).toEqual([]); // waits for b
    const failure = new Error('b failed');
    const decision = order.failed(b, failure);
    expect(ids(decision.remove)).toEqual([]);
    expect(decision.release.map((item) => item.lease.id)).toEqual(['b', 'c']);
    expect(decision.release[0]?.error).toBe(failure);
    const held = decision.release[1]?.error;
    expect(held).toBeInstanceOf(SqsFifoGroupError);
    expect(held).toMatchObject({ code: 'SQS_FIFO_GROUP_FAILED', groupId: 'g', failedMessageId: 'b', cause: failure });
    // d was still being handled: consumed later, it is released, never deleted.
    const late = order.consumed(d);
    expect(ids(late.remove)).toEqual([]);
    expect(late.release.map((item) => item.lease.id)).toEqual(['d']);
    // Other groups are not affected.
    expect(ids(order.consumed(other).remove)).toEqual(['x']);
    expect(order.size).toBe(0);
  });

  it('lets an earlier pending message still be deleted after a later one failed', () => {
    const order = new FifoOrder<L>();
    const [a, b] = [lease('a'), lease('b')];
    order.add(a);
    order.add(b);
    expect(order.failed(b, new Error('b')).release.map((item) => item.lease.id)).toEqual(['b']);
    expect(ids(order.consumed(a).remove)).toEqual(['a']);
  });

  it('does not doom messages of the group delivered after the failure', () => {
    const order = new FifoOrder<L>();
    const a = lease('a');
    order.add(a);
    order.failed(a, new Error('a'));
    const again = lease('a2');
    order.add(again);
    expect(ids(order.consumed(again).remove)).toEqual(['a2']);
  });

  it('deletes untracked messages directly', () => {
    const order = new FifoOrder<L>();
    expect(ids(order.consumed(lease('z')).remove)).toEqual(['z']);
  });
});
