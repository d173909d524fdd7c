import { describe, expect, it } from 'vitest';
import { ManualClock, sleep } from '@conveyor/core/kit';

describe('ManualClock', () => {
  it('runs due callbacks in time order only when advanced', async () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    clock.setTimeout(() => ran.push('b'), 20);
    clock.setTimeout(() => ran.push('a'), 10);
    const cleared = clock.setTimeout(() => ran.push('never'), 15);
    cleared.clear();
    await clock.advance(9);
    expect(ran).toEqual([]);
    await clock.advance(11);
    expect(ran).toEqual(['a', 'b']);
    expect(clock.now()).toBe(20);
    expect(clock.pending).toBe(0);
  });

  it('lets awaiting code schedule more within the window (a loop of sleeps)', async () => {
    const clock = new ManualClock(0);
    const wakes: number[] = [];
    const loop = (async () => {
      for (let round = 0; round < 3; round++) {
        await sleep(100, undefined, clock);
        wakes.push(clock.now());
      }
    })();
    await clock.advance(1_000);
    await loop;
    expect(wakes).toEqual([100, 200, 300]);
  });

  it('sleep resolves early when its signal aborts', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const sleeping = sleep(1_000, controller.signal, clock);
    controller.abort();
    await sleeping;
    expect(clock.now()).toBe(0);
  });
});
