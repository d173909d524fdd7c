import { describe, expect, it } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import type { Bulk } from '@conveyor/core';
// The rule's own error classes (from src, as the rule is imported from src).
import { MessageNotTakenError } from '../src/errors/message-not-taken-error.js';
import { PoolThreadError } from '../src/errors/pool-thread-error.js';
import { ShutdownError } from '../src/errors/shutdown-error.js';
import { settleParcel } from '../src/bulk/iterator-rule.js';
import { runParcel } from '../src/bulk/run-handler.js';
import type { Parcel } from '../src/bulk/parcel.js';
import { LaneQueue } from '../src/pipeline/lane-queue.js';

interface Msg {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
}

/** Keys a, b, c with 3, 2 and 1 messages, in chains the way the lanes cut them: one bulk per level. */
function chainedParcel(): Parcel<Msg> {
  const lanes = new LaneQueue<Msg>({
    idOf: (message) => message.id,
    holdTimeout: 1_000,
    clock: new ManualClock(0),
    onHoldExpired: () => {},
  });
  const sent: Msg[] = [];
  for (let seq = 0; seq < 3; seq++) for (const key of ['a', 'b', 'c'].slice(0, 3 - seq)) sent.push({ id: `${key}${seq}`, key, seq });
  for (const message of sent) lanes.push(message, message.key, false);
  const taken = lanes.take(100, 16);
  expect(taken.levels).toEqual([3, 2, 1]);
  expect(taken.messages.map((message) => message.id)).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2']);
  expect([...(taken.after ?? [])]).toEqual([-1, -1, -1, 0, 1, 3]);
  return { messages: taken.messages, bulkSizes: taken.levels, ...(taken.after === undefined ? {} : { after: taken.after }) };
}

const ids = (messages: readonly Msg[] | undefined): string[] => (messages ?? []).map((message) => message.id).sort();

describe('key chains (several messages of a key in one parcel)', () => {
  it('a failed message holds its key’s later ones: the handler never sees them, the settlement gives them back to the lanes', async () => {
    const parcel = chainedParcel();
    const seen: string[][] = [];
    // a0 fails (bulk.fail), b1 throws before it is taken: a1 and a2 wait behind a0; c has nothing after c0.
    const handler = (bulk: Bulk<Msg>): void => {
      const run: string[] = [];
      seen.push(run);
      for (const message of bulk) {
        if (message.id === 'b1') throw new Error('b1 breaks');
        run.push(message.id);
        if (message.id === 'a0') bulk.fail(message, new Error('a0 fails'));
      }
    };
    const reports = await runParcel(handler, parcel.messages, parcel.bulkSizes, undefined, undefined, undefined, parcel.after);
    expect(seen).toEqual([['a0', 'b0', 'c0'], []]); // bulk 2 (a2) held whole: not run at all
    const settlement = settleParcel(parcel, { reports });
    expect(ids(settlement.consumed)).toEqual(['b0', 'c0']);
    expect(ids(settlement.held)).toEqual(['a1', 'a2']);
    expect(settlement.failed.map((group) => ids(group.messages))).toEqual([['a0'], ['b1']]);
    expect(settlement.suspects).toEqual([]);
  });

  it('every message lands in exactly one of consumed, failed, held or suspect, whatever the reports say', async () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const parcel = chainedParcel();
      const handed: string[] = [];
      const handler = (bulk: Bulk<Msg>): void => {
        for (const message of bulk) {
          handed.push(message.id);
          const roll = random();
          if (roll < 0.15) bulk.fail(message, new Error('marked'));
          else if (roll < 0.25) throw new Error('thrown');
        }
      };
      const reports = await runParcel(handler, parcel.messages, parcel.bulkSizes, undefined, undefined, undefined, parcel.after);
      const settlement = settleParcel(parcel, { reports });
      const failed = settlement.failed.flatMap((group) => group.messages);
      const all = [...settlement.consumed, ...failed, ...(settlement.held ?? []), ...settlement.suspects].map((message) => message.id);
      expect(all.sort()).toEqual(parcel.messages.map((message) => message.id).sort());
      // A message was handed out only if its key's message before it was consumed; held ones never were.
      const consumed = new Set(settlement.consumed.map((message) => message.id));
      for (const id of handed) {
        const before = parcel.after?.[parcel.messages.findIndex((message) => message.id === id)] ?? -1;
        if (before >= 0) expect(consumed.has(parcel.messages[before]!.id), `${id} ran around its key`).toBe(true);
      }
      for (const message of settlement.held ?? []) expect(handed).not.toContain(message.id);
    }
  });

  it('a lost parcel: what did not run goes back uncharged or is held behind its key; at shutdown, nothing is charged', () => {
    const parcel = chainedParcel();
    // The thread died in bulk 1 after taking a1: bulk 0 was consumed whole.
    const died = settleParcel(parcel, {
      lost: new PoolThreadError(new Error('exit 1')),
      progress: { completedBulks: 1, currentBulk: 1, taken: 1, unit: false },
    });
    expect(ids(died.consumed)).toEqual(['a0', 'b0', 'c0']);
    expect(ids(died.suspects)).toEqual(['a1']);
    expect(ids(died.held)).toEqual(['a2']);
    expect(died.failed.map((group) => [ids(group.messages), group.error instanceof MessageNotTakenError])).toEqual([[['b1'], true]]);
    // Died before any handler took a message: the first of each key is a suspect, the rest wait behind it.
    const decoding = settleParcel(parcel, {
      lost: new PoolThreadError(new Error('exit 1')),
      progress: { completedBulks: 0, currentBulk: 0, taken: 0, unit: false },
    });
    expect(ids(decoding.suspects)).toEqual(['a0', 'b0', 'c0']);
    expect(ids(decoding.held)).toEqual(['a1', 'a2', 'b1']);
    const shutdown = settleParcel(parcel, {
      lost: new ShutdownError(),
      progress: { completedBulks: 0, currentBulk: 0, taken: 0, unit: false },
    });
    expect(ids(shutdown.failed.flatMap((group) => group.messages))).toEqual(['a0', 'b0', 'c0']);
    expect(ids(shutdown.held)).toEqual(['a1', 'a2', 'b1']);
  });

  it('held messages go back to the front of their lane, behind the failed one when it comes back', () => {
    const lanes = new LaneQueue<Msg>({
      idOf: (message) => message.id,
      holdTimeout: 1_000,
      clock: new ManualClock(0),
      onHoldExpired: () => {},
    });
    const a = [0, 1, 2, 3].map((seq) => ({ id: `a${seq}`, key: 'a', seq }));
    for (const message of a.slice(0, 3)) lanes.push(message, 'a', false);
    const taken = lanes.take(100, 16);
    expect(taken.messages).toEqual(a.slice(0, 3));
    lanes.push(a[3]!, 'a', false); // arrives while the chain runs
    lanes.doneTaken(taken.ticket, taken.messages, new Set([a[0]!, a[1]!, a[2]!]));
    lanes.failed([a[0]!]);
    lanes.holdBack([a[1]!, a[2]!], false);
    expect(lanes.readyLanes).toBe(0); // blocked by a0
    expect(lanes.waiting).toBe(3);
    lanes.push(a[0]!, 'a', false); // a0 is back: it goes first
    expect(lanes.take(100, 16).messages).toEqual(a);
  });
});
