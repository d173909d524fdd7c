/**
 * How a retried action waits: `baseMs × 2^(attempt − 1)`, capped at `capMs`,
 * with jitter so that many consumers failing together do not retry together.
 */
export interface BackoffPolicy {
  /** The wait before the first retry (without jitter). */
  readonly baseMs: number;
  /** The longest wait. */
  readonly capMs: number;
  /**
   * `'equal'` waits between half and all of the exponential delay (never less
   * than half, so a failing message can never loop faster than half its
   * backoff); `'full'` between 0 and all of it; `'none'` exactly. @default 'equal'
   */
  readonly jitter?: 'equal' | 'full' | 'none';
}

/** The wait before retry number `attempt` (1 = the first retry); 0 for attempt 0. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const delay = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 40));
  switch (policy.jitter ?? 'equal') {
    case 'none':
      return delay;
    case 'full':
      return random() * delay;
    case 'equal':
      return delay / 2 + (random() * delay) / 2;
  }
}
