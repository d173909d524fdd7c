import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { InvalidOptionError } from '@conveyor/core';
import type { TraceCarrier } from '@conveyor/core';
import {
  backoffOption,
  clockOption,
  integerIn,
  nonEmptyString,
  objectWithMethods,
  oneOf,
  optionsObject,
  positiveInteger,
  traceContextOption,
} from '@conveyor/core/kit';
import type { BackoffOptions, BackoffPolicy, Clock } from '@conveyor/core/kit';
import { entryRetryBackoff } from './send-in-batches.js';

/** Options of `new SqsSender()`. */
export interface SqsSenderOptions<T = string> {
  /** The SQS client to use (it stays open on `close()`). Give this or `clientConfig`. */
  client?: SQSClient;
  /** Configuration of a client the sender creates and destroys on `close()`. @default {} (the SDK's environment defaults) */
  clientConfig?: SQSClientConfig;
  /** URL of the queue. Give this or `queueName`. */
  queueUrl?: string;
  /** Name of the queue, resolved with `GetQueueUrl` on the first send. */
  queueName?: string;
  /** 'text' sends string bodies as they are; 'json' sends `JSON.stringify(body)`. @default 'text' */
  bodyFormat?: 'text' | 'json';
  /**
   * The `MessageGroupId` of messages that give none: a string, or a function of the
   * body and its position in the send. Every message to a FIFO queue needs one. @default none
   */
  groupId?: string | ((body: T, index: number) => string);
  /**
   * The `MessageDeduplicationId` of messages that give none (FIFO queues), from the
   * body and its encoded text; computed once, so a retried entry keeps it. @default none:
   * the queue's content-based deduplication (SQS refuses the message when the queue has none)
   */
  deduplicationId?: (body: T, text: string) => string;
  /** Seconds before messages that give no `delaySeconds` can be received (0–900). @default the queue's `DelaySeconds` */
  delaySeconds?: number;
  /**
   * `SendMessageBatch` calls (10 messages each) in flight at once. @default 10, and 1 for
   * a FIFO queue (calls in order, so each group keeps its order)
   */
  maxConcurrentBatches?: number;
  /**
   * Calls made for a message SQS refused without blaming the sender (or whose call failed
   * with a network, throttling or server error), before it is reported. @default 3
   */
  entryAttempts?: number;
  /** The wait before those retries (`false`: none). @default { baseMs: 50, capMs: 2000, jitter: 'equal' } */
  retryBackoff?: BackoffOptions | false;
  /** Where the retries wait (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
  /**
   * Largest message (body and attributes, in bytes) the sender sends: a larger one
   * rejects the send before any call. SQS takes at most 1 MiB; a queue's own
   * `MaximumMessageSize` may be lower (give it here to learn it before SQS refuses). @default 1048576
   */
  maxMessageBytes?: number;
  /**
   * The trace context to send with each message (attributes `traceparent` and
   * `tracestate`), read once per send call: `currentTraceContext` of
   * `@conveyor/opentelemetry`. A message with its own `traceContext`, or without
   * room left of SQS's 10 attributes, is not changed. @default none
   */
  traceContext?: () => TraceCarrier | undefined;
}

/** The defaults of the options that have a fixed one. */
export const sqsSenderDefaults: Readonly<{
  bodyFormat: 'text' | 'json';
  maxConcurrentBatches: number;
  fifoMaxConcurrentBatches: number;
  entryAttempts: number;
  retryBackoff: BackoffPolicy;
  maxMessageBytes: number;
}> = Object.freeze({
  bodyFormat: 'text',
  maxConcurrentBatches: 10,
  fifoMaxConcurrentBatches: 1,
  entryAttempts: 3,
  retryBackoff: entryRetryBackoff,
  maxMessageBytes: 1_048_576,
});

/** Options after validation. */
export interface ResolvedSqsSenderOptions<T = string> {
  readonly client: SQSClient | undefined;
  readonly clientConfig: SQSClientConfig;
  readonly queueUrl: string | undefined;
  readonly queueName: string | undefined;
  readonly fifo: boolean;
  readonly bodyFormat: 'text' | 'json';
  readonly groupId: ((body: T, index: number) => string) | undefined;
  readonly deduplicationId: ((body: T, text: string) => string) | undefined;
  readonly delaySeconds: number | undefined;
  readonly maxConcurrentBatches: number;
  readonly entryAttempts: number;
  readonly retryBackoff: BackoffPolicy;
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  readonly traceContext: (() => TraceCarrier | undefined) | undefined;
}

const knownOptions = [
  'client',
  'clientConfig',
  'queueUrl',
  'queueName',
  'bodyFormat',
  'groupId',
  'deduplicationId',
  'delaySeconds',
  'maxConcurrentBatches',
  'entryAttempts',
  'retryBackoff',
  'clock',
  'maxMessageBytes',
  'traceContext',
];
/** Names from sqs-producer and the AWS API, and what the sender calls them. */
const hints: Readonly<Record<string, string>> = {
  sqs: 'client',
  region: 'give `clientConfig: { region }`',
  batchSize: 'not needed: the sender sends 10 messages a call (the SQS limit), `maxConcurrentBatches` calls at once',
  messageGroupId: 'groupId',
  MessageGroupId: 'groupId',
  messageDeduplicationId: 'deduplicationId',
  MessageDeduplicationId: 'deduplicationId',
  DelaySeconds: 'delaySeconds',
  QueueUrl: 'queueUrl',
};
/** SQS delays a message at most 15 minutes. */
export const maxDelaySeconds = 900;

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveSqsSenderOptions<T>(options: SqsSenderOptions<T>): ResolvedSqsSenderOptions<T> {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  const given = optionsObject(options, knownOptions, hints) as SqsSenderOptions<T>;

  const client =
    given.client === undefined
      ? undefined
      : objectWithMethods<SQSClient>('client', given.client, ['send'], 'an SQSClient from @aws-sdk/client-sqs');
  const clientConfig = given.clientConfig;
  if (clientConfig !== undefined && ((clientConfig as unknown) === null || typeof clientConfig !== 'object')) {
    throw new InvalidOptionError('clientConfig', 'an SQSClientConfig object', clientConfig);
  }
  if (client !== undefined && clientConfig !== undefined) {
    throw new InvalidOptionError('clientConfig', 'absent when `client` is given (give one of them)', clientConfig);
  }
  const queueUrl = given.queueUrl === undefined ? undefined : nonEmptyString('queueUrl', given.queueUrl);
  const queueName = given.queueName === undefined ? undefined : nonEmptyString('queueName', given.queueName);
  if ((queueUrl === undefined) === (queueName === undefined)) {
    throw new InvalidOptionError('queueUrl', 'a queue URL, or a `queueName` instead (exactly one of them)', given.queueUrl);
  }
  // AWS requires FIFO queue names to end in .fifo, so the name tells.
  const fifo = (queueUrl ?? queueName ?? '').endsWith('.fifo');

  return Object.freeze({
    client,
    clientConfig: clientConfig ?? {},
    queueUrl,
    queueName,
    fifo,
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['text', 'json'], sqsSenderDefaults.bodyFormat),
    groupId: resolveGroupId(given.groupId),
    deduplicationId: functionOption<(body: T, text: string) => string>(
      'deduplicationId',
      given.deduplicationId,
      'a function (body, text) => string',
    ),
    delaySeconds: given.delaySeconds === undefined ? undefined : integerIn('delaySeconds', given.delaySeconds, 0, maxDelaySeconds, 0),
    maxConcurrentBatches: positiveInteger(
      'maxConcurrentBatches',
      given.maxConcurrentBatches,
      fifo ? sqsSenderDefaults.fifoMaxConcurrentBatches : sqsSenderDefaults.maxConcurrentBatches,
    ),
    entryAttempts: integerIn('entryAttempts', given.entryAttempts, 1, 100, sqsSenderDefaults.entryAttempts),
    retryBackoff: backoffOption('retryBackoff', given.retryBackoff, sqsSenderDefaults.retryBackoff) || noWait,
    clock: clockOption(given.clock),
    maxMessageBytes: integerIn(
      'maxMessageBytes',
      given.maxMessageBytes,
      1,
      sqsSenderDefaults.maxMessageBytes,
      sqsSenderDefaults.maxMessageBytes,
    ),
    traceContext: traceContextOption(given.traceContext),
  });
}

/** `retryBackoff: false`: retries go at once. */
const noWait: BackoffPolicy = Object.freeze({ baseMs: 0, capMs: 0, jitter: 'none' });

function resolveGroupId<T>(value: unknown): ((body: T, index: number) => string) | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const groupId = nonEmptyString('groupId', value);
    return () => groupId;
  }
  return functionOption<(body: T, index: number) => string>('groupId', value, 'a non-empty string or a function (body, index) => string');
}

function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown, expected: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidOptionError(name, expected, value);
  return value as F;
}
