import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ManualClock, Wakeup } from '@conveyor/core/kit';

describe('Wakeup', () => {
  it('lets every waiter go at once on wake(), and each alone on its timeout or abort', async () => {
    const clock = new ManualClock(0);
    const wakeup = new Wakeup(clock);
    const ended: string[] = [];
    const never = new AbortController().signal;
    const first = wakeup.wait(1_000, never).then(() => ended.push('first'));
    const second = wakeup.wait(1_000, never).then(() => ended.push('second'));
    wakeup.wake();
    await Promise.all([first, second]);
    expect(ended).toEqual(['first', 'second']);

    const timedOut = wakeup.wait(50, never).then(() => ended.push('timed out'));
    await clock.advance(50);
    await timedOut;
    const abort = new AbortController();
    const aborted = wakeup.wait(1_000, abort.signal).then(() => ended.push('aborted'));
    abort.abort();
    await aborted;
    expect(ended.slice(2)).toEqual(['timed out', 'aborted']);
    expect(clock.pending).toBe(0);
  });

  it('with unref, a wait does not keep the process alive; without, it does', () => {
    const run = (unref: boolean): { status: number | null; stdout: string } =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { Wakeup, systemClock } from '@conveyor/core/kit';
           new Wakeup(systemClock, { unref: ${unref} }).wait(300, new AbortController().signal).then(() => console.log('woke'));`,
        ],
        { cwd: new URL('..', import.meta.url), encoding: 'utf8', timeout: 10_000 },
      );
    const unrefd = run(true);
    expect(unrefd.status).toBe(0);
    expect(unrefd.stdout).toBe('');
    const refd = run(false);
    expect(refd.status).toBe(0);
    expect(refd.stdout.trim()).toBe('woke');
  });
});
