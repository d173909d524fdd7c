import { backoffDelay } from '@conveyor/core/kit';
import type { ResolvedSqsSourceOptions } from './sqs-source-options.js';

/**
 * Seconds a released (charged) message stays invisible: `retryDelaySeconds`, or
 * `baseSeconds × 2^(receiveCount − 1)` up to `maxSeconds`. No jitter (`'none'`):
 * the delay is the documented formula, tests check its exact values, and SQS takes
 * whole seconds anyway; messages that fail together are already spread by their
 * receive counts.
 */
export function retryDelaySeconds(receiveCount: number, setting: ResolvedSqsSourceOptions['retryDelaySeconds']): number {
  if (typeof setting === 'number') return setting;
  const policy = { baseMs: setting.baseSeconds * 1000, capMs: setting.maxSeconds * 1000, jitter: 'none' } as const;
  return Math.round(backoffDelay(Math.max(1, receiveCount), policy) / 1000);
}
