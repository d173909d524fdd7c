import { describe, expect, it } from 'vitest';
import { backoffDelay } from '@conveyor/core/kit';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, capMs: 1_000 };

  it('doubles from the base up to the cap, without jitter', () => {
    const delays = [0, 1, 2, 3, 4, 5, 60].map((attempt) => backoffDelay(attempt, { ...policy, jitter: 'none' }));
    expect(delays).toEqual([0, 100, 200, 400, 800, 1000, 1000]);
  });

  it('equal jitter (the default) stays between half and all of the delay', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.999999)).toBeCloseTo(400, 3);
    for (let index = 0; index < 1000; index++) {
      const delay = backoffDelay(2, policy);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });

  it('full jitter spreads from 0 to the delay', () => {
    expect(backoffDelay(2, { ...policy, jitter: 'full' }, () => 0)).toBe(0);
    expect(backoffDelay(2, { ...policy, jitter: 'full' }, () => 0.5)).toBe(100);
  });
});
