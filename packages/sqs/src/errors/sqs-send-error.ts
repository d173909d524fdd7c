import { SqsError } from './sqs-error.js';

/** One message `SqsSender` could not send. */
export interface SqsSendFailure {
  /** Its position in the array given to `send()` / `sendMessages()`. */
  readonly index: number;
  /**
   * Why: the AWS entry error code (`InvalidParameterValue`, `InternalError`...), the code
   * of the call that failed (`ECONNREFUSED`, `ThrottlingException`...), `InvalidMessage`
   * for a message refused before any call, or `NotSent` for a FIFO message held back
   * because an earlier one of the same send failed.
   */
  readonly awsCode: string;
  /** True when retrying the same message cannot help (SQS blames the request, or it was refused before sending). */
  readonly senderFault: boolean;
  readonly message: string;
}

/**
 * `SqsSender` sent some messages, or none, but not all: `failures` lists the others
 * (after retries of those SQS refused without blaming the sender), and `messageIds`
 * holds the SQS `MessageId` of each message that was sent, by input position.
 * `cause` is the first failed call's `SqsError`, when a call failed.
 */
export class SqsSendError extends SqsError {
  readonly failures: readonly SqsSendFailure[];
  /** By input position: the `MessageId` of a message that was sent, `undefined` for one that was not. */
  readonly messageIds: ReadonlyArray<string | undefined>;

  constructor(failures: readonly SqsSendFailure[], messageIds: ReadonlyArray<string | undefined>, cause?: SqsError) {
    const first = failures[0];
    const sent = messageIds.filter((id) => id !== undefined).length;
    const sample = first === undefined ? '' : `; message ${first.index}: ${first.awsCode} (${first.message})`;
    super('SQS_SEND_FAILED', `SendMessageBatch: ${failures.length} of ${messageIds.length} message(s) not sent (${sent} sent)${sample}`, {
      operation: 'SendMessageBatch',
      awsCode: first?.awsCode,
      statusCode: cause?.statusCode,
      cause,
    });
    this.failures = failures;
    this.messageIds = messageIds;
  }
}
