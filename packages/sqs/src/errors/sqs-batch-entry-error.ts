import type { SqsOperation } from './sqs-error.js';
import { SqsError } from './sqs-error.js';

/** One entry of a batch call that SQS refused. */
export interface SqsBatchEntryFailure {
  /** The SQS MessageId of the message the entry was about. */
  readonly messageId: string;
  /** The AWS entry error code, e.g. `ReceiptHandleIsInvalid`, `InternalError`. */
  readonly awsCode: string;
  /** True when AWS blames the request (retrying the same entry will not help). */
  readonly senderFault: boolean;
  readonly message: string;
}

/**
 * Some entries of a batch call (`DeleteMessageBatch`, `ChangeMessageVisibilityBatch`,
 * `SendMessageBatch`) failed inside a successful call, and still failed after retries.
 */
export class SqsBatchEntryError extends SqsError {
  readonly entries: readonly SqsBatchEntryFailure[];

  constructor(operation: SqsOperation, entries: readonly SqsBatchEntryFailure[]) {
    const first = entries[0];
    const sample = first === undefined ? '' : `: ${first.awsCode} (${first.message})`;
    super('SQS_BATCH_ENTRY_FAILED', `${operation} failed for ${entries.length} message(s)${sample}`, {
      operation,
      awsCode: first?.awsCode,
    });
    this.entries = entries;
  }
}
