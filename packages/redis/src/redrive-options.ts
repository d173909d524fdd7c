import { InvalidOptionError } from '@conveyor/core';

/** Options of `redriveDeadLetters()` (`RedisListSource`, `RedisStorage`). */
export interface RedriveOptions {
  /** Most dead letters to send back, the oldest first. @default all of them */
  limit?: number;
  /** Dead letters moved per atomic step (one script call): short steps never block Redis long. @default 100 */
  batchSize?: number;
}

/** The defaults of `RedriveOptions`. */
export const redriveDefaults = Object.freeze({ limit: Number.POSITIVE_INFINITY, batchSize: 100 });

/**
 * Validates the options and calls `step(max)` (one atomic move of at most `max`
 * dead letters, resolving to how many moved) until `limit` moved or none are left.
 */
export async function redriveInSteps(options: RedriveOptions, step: (max: number) => Promise<number>): Promise<number> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  const limit = options.limit ?? redriveDefaults.limit;
  if (limit !== Number.POSITIVE_INFINITY && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0))
    throw new InvalidOptionError('limit', 'a non-negative integer', limit);
  const batchSize = options.batchSize ?? redriveDefaults.batchSize;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidOptionError('batchSize', 'a positive integer', batchSize);
  let moved = 0;
  while (moved < limit) {
    const count = await step(Math.min(batchSize, limit - moved));
    moved += count;
    if (count === 0) break;
  }
  return moved;
}
