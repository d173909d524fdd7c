import { ConveyorError } from '@conveyor/core';

/** The SQS API calls the source makes; errors name the one that failed. */
export type SqsOperation =
  'GetQueueUrl' | 'GetQueueAttributes' | 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch' | 'SendMessageBatch';

/**
 * What went wrong talking to SQS, as a code callers can switch on:
 * - `SQS_QUEUE_NOT_FOUND`, `SQS_ACCESS_DENIED`, `SQS_REQUEST`: the request itself is wrong; retrying does not help.
 * - `SQS_THROTTLED`, `SQS_SERVER`, `SQS_NETWORK`: transient; the source backs off and retries.
 * - `SQS_BATCH_ENTRY_FAILED`: the call succeeded but some of its entries did not.
 * - `SQS_SEND_FAILED`: `SqsSender.send()` could not send some messages (`SqsSendError` lists them).
 */
export type SqsErrorCode =
  | 'SQS_QUEUE_NOT_FOUND'
  | 'SQS_ACCESS_DENIED'
  | 'SQS_REQUEST'
  | 'SQS_THROTTLED'
  | 'SQS_SERVER'
  | 'SQS_NETWORK'
  | 'SQS_BATCH_ENTRY_FAILED'
  | 'SQS_SEND_FAILED';

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
