import { ConveyorError } from '@conveyor/core';

/**
 * A `send()` with `durableSend` whose messages fewer replicas than asked
 * confirmed in time (`WAIT`). The messages are on the master and will be
 * delivered unless it fails before replicating them: send them again if that
 * matters (a duplicate is possible), or ask fewer replicas.
 */
export class RedisReplicationError extends ConveyorError {
  /** Replicas that confirmed the write. */
  readonly confirmed: number;
  /** Replicas asked for (`durableSend.replicas`). */
  readonly wanted: number;

  constructor(confirmed: number, wanted: number, timeoutMs: number, messages: number) {
    super(
      'REDIS_REPLICATION',
      `${messages} message(s) reached the Redis master but ${confirmed} of the ${wanted} replica(s) asked by \`durableSend\` confirmed them within ${timeoutMs} ms;` +
        ' they may be lost if the master fails before replicating them: send them again (duplicates possible), or lower `durableSend.replicas`',
    );
    this.confirmed = confirmed;
    this.wanted = wanted;
  }
}
