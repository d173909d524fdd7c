import { InvalidOptionError } from '@conveyor/core';
import type { ConveyorErrorCode } from '@conveyor/core';

/**
 * A key or prefix whose keys could not all share one Redis Cluster slot, so a
 * script touching them would fail with `CROSSSLOT` on a cluster. Thrown by the
 * constructor (never at the first script call); still an `InvalidOptionError`,
 * naming the option to change.
 */
export class RedisCrossSlotError extends InvalidOptionError {
  override readonly code: ConveyorErrorCode = 'REDIS_CROSS_SLOT';
}
