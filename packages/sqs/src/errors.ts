import { ConveyorError } from '@conveyor/core';

/** The SQS API calls the source makes; errors name the one that failed. */
export type SqsOperation =
  'GetQueueUrl' | 'GetQueueAttributes' | 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch' | 'SendMessageBatch';

/**
 * What went wrong talking to SQS, as a code callers can switch on:
 * - `SQS_QUEUE_NOT_FOUND`, `SQS_ACCESS_DENIED`, `SQS_REQUEST`: the request itself is wrong; retrying does not help.
 * - `SQS_THROTTLED`, `SQS_SERVER`, `SQS_NETWORK`: transient; the source backs off and retries.
 * - `SQS_BATCH_ENTRY_FAILED`: the call succeeded but some of its entries did not.
 */
export type SqsErrorCode =
  'SQS_QUEUE_NOT_FOUND' | 'SQS_ACCESS_DENIED' | 'SQS_REQUEST' | 'SQS_THROTTLED' | 'SQS_SERVER' | 'SQS_NETWORK' | 'SQS_BATCH_ENTRY_FAILED';

/** Details of an `SqsError`. */
export interface SqsErrorDetails {
  readonly operation: SqsOperation;
  /** The AWS error code (`QueueDoesNotExist`, `ThrottlingException`...) or the network error code (`ECONNREFUSED`). */
  readonly awsCode?: string | undefined;
  /** HTTP status of the response, when there was one. */
  readonly statusCode?: number | undefined;
  readonly cause?: unknown;
}

/** A call to SQS failed. `retryable` tells whether the same call may succeed later. */
export class SqsError extends ConveyorError {
  declare readonly code: SqsErrorCode;
  readonly operation: SqsOperation;
  readonly awsCode: string | undefined;
  readonly statusCode: number | undefined;

  constructor(code: SqsErrorCode, message: string, details: SqsErrorDetails) {
    super(code, message, { cause: details.cause });
    this.operation = details.operation;
    this.awsCode = details.awsCode;
    this.statusCode = details.statusCode;
  }

  /** Transient failures (network, throttling, server side): the source backs off and tries again. */
  get retryable(): boolean {
    return this.code === 'SQS_THROTTLED' || this.code === 'SQS_SERVER' || this.code === 'SQS_NETWORK';
  }
}

/** One entry of a batch call that SQS refused. */
export interface SqsBatchEntryFailure {
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

/** A message body is not valid JSON (with `bodyFormat: 'json'`): the message failed; it is never handed to a handler. */
export class SqsBodyParseError extends ConveyorError {
  readonly messageId: string;

  constructor(messageId: string, cause: unknown) {
    super(
      'SQS_BODY_PARSE',
      `The body of SQS message ${messageId} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.messageId = messageId;
  }
}

/**
 * A FIFO message released (not deleted) because an earlier message of its group
 * in the same delivery failed: deleting it would let it overtake the failed one.
 */
export class SqsFifoGroupError extends ConveyorError {
  readonly groupId: string;
  /** The earlier message whose failure held this one back. */
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
