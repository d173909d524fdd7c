import { ConveyorError } from '@conveyor/core';

/**
 * A FIFO message released (not deleted) because an earlier message of its group
 * in the same delivery failed: deleting it would let it overtake the failed one.
 */
export class SqsFifoGroupError extends ConveyorError {
  readonly groupId: string;
  /** The `id` of the earlier message whose failure held this one back. */
  readonly failedMessageId: string;

  constructor(groupId: string, failedMessageId: string, cause: unknown) {
    super(
      'SQS_FIFO_GROUP_FAILED',
      `Released to keep the order of FIFO group ${JSON.stringify(groupId)}: an earlier message (${failedMessageId}) of the group failed`,
      { cause },
    );
    this.groupId = groupId;
    this.failedMessageId = failedMessageId;
  }
}
