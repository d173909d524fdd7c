export { SqsSource } from './sqs-source.js';
export type { SqsSourceOptions, ResolvedSqsSourceOptions, RetryBackoff, DeadLetterOptions } from './options.js';
export { sqsSourceDefaults } from './options.js';
export type { SqsMessage, SqsMessageAttribute } from './message.js';
export type { SqsSourceEvents, UndeliveredMessage } from './events.js';
export { SqsError, SqsBatchEntryError, SqsBodyParseError, SqsFifoGroupError } from './errors.js';
export type { SqsErrorCode, SqsErrorDetails, SqsOperation, SqsBatchEntryFailure } from './errors.js';
