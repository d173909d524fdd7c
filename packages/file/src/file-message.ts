import type { DeliveredMessage } from '@conveyor/core/kit';

/** What settles one delivery of a row: where the row is, and which delivery this is. */
export interface FileReceipt {
  /** Key of the claimed batch file the row is in. */
  readonly batch: string;
  /** Position of the row in that batch file. */
  readonly index: number;
  /** Numbers this delivery: a cleanup or release of an older delivery of the row is ignored. */
  readonly delivery: number;
}

/**
 * A row of the file queue as the `FileSource` delivers it: the kit's
 * `DeliveredMessage`, plain data, so it crosses to pool threads as JSON.
 */
export interface FileMessage<T> extends DeliveredMessage<T, FileReceipt> {
  /**
   * The message's identity, stable across deliveries: `<batch key>:<index>` of the
   * batch it was first written to, kept when it is written again (failed, given back).
   */
  readonly id: string;
}
