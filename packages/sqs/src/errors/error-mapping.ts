import type { SqsErrorCode, SqsOperation } from './sqs-error.js';
import { SqsError } from './sqs-error.js';

const notFound = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue', 'ResourceNotFoundException']);
const denied = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidSecurity',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsInvalidState',
  'KmsNotFound',
  'KmsOptInRequired',
  'KmsInvalidKeyUsage',
  'CredentialsProviderError',
]);
const throttled = new Set([
  'RequestThrottled',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'KmsThrottled',
  'AWS.SimpleQueueService.RequestThrottled',
  'SlowDown',
]);
const serverSide = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
]);
// Errors of the socket or of the SDK's HTTP handler: nothing reached SQS, or the answer never came back.
const network = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
  'TimeoutError',
  'NetworkingError',
  'socket hang up',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Maps whatever the AWS SDK threw to an `SqsError` with a code callers can
 * switch on, keeping the original as `cause`. Already mapped errors pass through.
 */
export function toSqsError(error: unknown, operation: SqsOperation): SqsError {
  if (error instanceof SqsError) return error;
  const raw = (error !== null && typeof error === 'object' ? error : {}) as AwsLikeError;
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  const awsCode = typeof raw.Code === 'string' ? raw.Code : typeof raw.code === 'string' ? raw.code : name;
  const statusCode = typeof raw.$metadata?.httpStatusCode === 'number' ? raw.$metadata.httpStatusCode : undefined;
  const message = typeof raw.message === 'string' && raw.message !== '' ? raw.message : String(error);
  const code = classify(name, awsCode, statusCode, raw, message);
  return new SqsError(code, `${operation} failed: ${message}`, { operation, awsCode, statusCode, cause: error });
}

function classify(
  name: string | undefined,
  awsCode: string | undefined,
  statusCode: number | undefined,
  raw: AwsLikeError,
  message: string,
): SqsErrorCode {
  const names = [name, awsCode].filter((value): value is string => value !== undefined);
  if (names.some((value) => notFound.has(value))) return 'SQS_QUEUE_NOT_FOUND';
  if (names.some((value) => denied.has(value)) || statusCode === 401 || statusCode === 403) return 'SQS_ACCESS_DENIED';
  if (names.some((value) => throttled.has(value)) || statusCode === 429) return 'SQS_THROTTLED';
  if (names.some((value) => serverSide.has(value)) || raw.$fault === 'server' || (statusCode !== undefined && statusCode >= 500))
    return 'SQS_SERVER';
  if (names.some((value) => network.has(value)) || network.has(message)) return 'SQS_NETWORK';
  // A system error code and no HTTP answer: the request never got through to SQS.
  if (statusCode === undefined && typeof raw.code === 'string' && /^(E[A-Z]+|UND_ERR)/.test(raw.code)) return 'SQS_NETWORK';
  if (raw.$retryable !== undefined && raw.$retryable !== null) return 'SQS_SERVER';
  return 'SQS_REQUEST';
}

/** True for an error caused by aborting the request (shutdown), which is not a fault. */
export function isAbortError(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'AbortError';
}
