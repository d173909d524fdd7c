import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { consoleLogger, InvalidOptionError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import {
  clockOption,
  integerIn,
  loggerOption,
  milliseconds,
  nonEmptyString,
  objectWithMethods,
  oneOf,
  optionsObject,
} from '@conveyor/core/kit';
import type { Clock } from '@conveyor/core/kit';
import { sqsSourceMigrationHints } from './migration-hints.js';

/** Exponential retry delay by receive count: `min(maxSeconds, baseSeconds × 2^(receiveCount − 1))`. */
export interface RetryBackoff {
  /** Seconds before the first retry. */
  readonly baseSeconds: number;
  /** Longest delay in seconds. @default 900 */
  readonly maxSeconds?: number;
}

/** Moving messages that failed too often to a dead-letter queue, done by the source itself. */
export interface DeadLetterOptions {
  /** URL of the dead-letter queue (or give `queueName`). */
  readonly queueUrl?: string;
  /** Name of the dead-letter queue, resolved with `GetQueueUrl` (or give `queueUrl`). */
  readonly queueName?: string;
  /**
   * A failed message received this many times goes to the dead-letter queue
   * instead of back to the queue; a message received more often than this
   * (its consumer crashed every time) is moved without being handled again.
   */
  readonly maxReceiveCount: number;
}

/**
 * Options of `new SqsSource()`. Durations that are SQS settings are in seconds
 * (like the AWS API); timers of the source itself are in milliseconds (like core).
 */
export interface SqsSourceOptions {
  /** The SQS client to use (it stays open on `close()`). Give this or `clientConfig`. */
  client?: SQSClient;
  /** Configuration of a client the source creates and destroys on `close()`. @default {} (the SDK's environment defaults) */
  clientConfig?: SQSClientConfig;
  /** URL of the queue. Give this or `queueName`. */
  queueUrl?: string;
  /** Name of the queue, resolved with `GetQueueUrl` on the first `get()`. */
  queueName?: string;
  /** Long polling: seconds a receive waits for messages on an empty queue (0–20). @default 20 */
  waitTimeSeconds?: number;
  /**
   * Most messages one `get()` returns. Above 10 (the SQS limit per call) a get()
   * makes several receives at once while the queue has a backlog. @default 10
   */
  maxMessages?: number;
  /** Visibility timeout of received messages (0–43200 s). @default the queue's `VisibilityTimeout` */
  visibilityTimeoutSeconds?: number;
  /**
   * Milliseconds between two visibility extensions of the messages delivered
   * and not yet cleaned up or released, so a long handler keeps them; 0 turns
   * the heartbeat off. At least 1000 (sqs-consumer's option of the same name is
   * in seconds: a smaller value is rejected as one) and at most half of
   * `visibilityTimeoutSeconds`. @default a third of the visibility timeout
   */
  heartbeatInterval?: number;
  /** The heartbeat stops extending a message this many seconds after it was received. @default 43200 (the SQS limit) */
  maxExtensionSeconds?: number;
  /**
   * Seconds before a released (failed) message is visible again: a number (0 = now)
   * or an exponential backoff by receive count. A message released without having
   * reached the handler (`isUncharged(error)`) is visible again at once. @default 0
   */
  retryDelaySeconds?: number | RetryBackoff;
  /** 'json' parses bodies; a body that does not parse fails (`SqsBodyParseError`) and is never handed to a handler. @default 'text' */
  bodyFormat?: 'text' | 'json';
  /** Message attributes to receive. @default ['All'] */
  messageAttributeNames?: readonly string[];
  /** Move messages that failed too often to a dead-letter queue (for queues without a redrive policy). @default none */
  deadLetter?: DeadLetterOptions;
  /** Calls made for a batch entry SQS refused without blaming the sender, before it is reported. @default 3 */
  entryAttempts?: number;
  /** Longest back-off in ms after network errors, throttling or server errors (it doubles from 100 ms, with jitter). @default 5000 */
  maxErrorBackoff?: number;
  /** Where the source logs faults it recovers from. @default warnings and errors to stderr */
  logger?: Logger;
  /** Where the heartbeat and the back-offs read time and wait (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** The defaults of the options that have a fixed one. */
export const sqsSourceDefaults: Readonly<{
  waitTimeSeconds: number;
  maxMessages: number;
  maxExtensionSeconds: number;
  retryDelaySeconds: number;
  bodyFormat: 'text' | 'json';
  messageAttributeNames: readonly string[];
  entryAttempts: number;
  maxErrorBackoff: number;
  retryBackoffMaxSeconds: number;
}> = Object.freeze({
  waitTimeSeconds: 20,
  maxMessages: 10,
  maxExtensionSeconds: 43_200,
  retryDelaySeconds: 0,
  bodyFormat: 'text',
  messageAttributeNames: Object.freeze(['All']),
  entryAttempts: 3,
  maxErrorBackoff: 5_000,
  retryBackoffMaxSeconds: 900,
});

/** Options after validation. */
export interface ResolvedSqsSourceOptions {
  readonly client: SQSClient | undefined;
  readonly clientConfig: SQSClientConfig;
  readonly queueUrl: string | undefined;
  readonly queueName: string | undefined;
  readonly fifo: boolean;
  readonly waitTimeSeconds: number;
  readonly maxMessages: number;
  readonly visibilityTimeoutSeconds: number | undefined;
  readonly heartbeatInterval: number | undefined;
  readonly maxExtensionSeconds: number;
  readonly retryDelaySeconds: number | Required<RetryBackoff>;
  readonly bodyFormat: 'text' | 'json';
  readonly messageAttributeNames: readonly string[];
  readonly deadLetter: Readonly<{ queueUrl: string | undefined; queueName: string | undefined; maxReceiveCount: number }> | undefined;
  readonly entryAttempts: number;
  readonly maxErrorBackoff: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

const knownOptions = [
  'client',
  'clientConfig',
  'queueUrl',
  'queueName',
  'waitTimeSeconds',
  'maxMessages',
  'visibilityTimeoutSeconds',
  'heartbeatInterval',
  'maxExtensionSeconds',
  'retryDelaySeconds',
  'bodyFormat',
  'messageAttributeNames',
  'deadLetter',
  'entryAttempts',
  'maxErrorBackoff',
  'logger',
  'clock',
];
const maxVisibility = 43_200;
/** The shortest heartbeat interval (ms): anything shorter was almost certainly meant in seconds. */
const minHeartbeatInterval = 1000;

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveSqsSourceOptions(options: SqsSourceOptions): ResolvedSqsSourceOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  const given = optionsObject(options, knownOptions, sqsSourceMigrationHints) as SqsSourceOptions;

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

  const queueUrl = optionalString('queueUrl', given.queueUrl);
  const queueName = optionalString('queueName', given.queueName);
  if ((queueUrl === undefined) === (queueName === undefined)) {
    throw new InvalidOptionError('queueUrl', 'a queue URL, or a `queueName` instead (exactly one of them)', given.queueUrl);
  }
  // AWS requires FIFO queue names to end in .fifo, so the name tells.
  const fifo = (queueUrl ?? queueName ?? '').endsWith('.fifo');

  const visibilityTimeoutSeconds =
    given.visibilityTimeoutSeconds === undefined
      ? undefined
      : integerIn('visibilityTimeoutSeconds', given.visibilityTimeoutSeconds, 0, maxVisibility, 0);
  const heartbeatInterval = resolveHeartbeatInterval(given.heartbeatInterval);
  // Extensions further apart than half the timeout could let a message reappear between two of them.
  if (
    heartbeatInterval !== undefined &&
    visibilityTimeoutSeconds !== undefined &&
    heartbeatInterval > (visibilityTimeoutSeconds * 1000) / 2
  ) {
    throw new InvalidOptionError(
      'heartbeatInterval',
      `at most half of \`visibilityTimeoutSeconds\` (${(visibilityTimeoutSeconds * 1000) / 2} ms)`,
      heartbeatInterval,
    );
  }

  const messageAttributeNames = given.messageAttributeNames ?? sqsSourceDefaults.messageAttributeNames;
  if (!isNameList(messageAttributeNames)) {
    throw new InvalidOptionError('messageAttributeNames', "an array of attribute names (or ['All'])", messageAttributeNames);
  }

  return Object.freeze({
    client,
    clientConfig: clientConfig ?? {},
    queueUrl,
    queueName,
    fifo,
    waitTimeSeconds: integerIn('waitTimeSeconds', given.waitTimeSeconds, 0, 20, sqsSourceDefaults.waitTimeSeconds),
    maxMessages: integerIn('maxMessages', given.maxMessages, 1, 1000, sqsSourceDefaults.maxMessages),
    visibilityTimeoutSeconds,
    heartbeatInterval,
    maxExtensionSeconds: integerIn(
      'maxExtensionSeconds',
      given.maxExtensionSeconds,
      1,
      maxVisibility,
      sqsSourceDefaults.maxExtensionSeconds,
    ),
    retryDelaySeconds: resolveRetryDelay(given.retryDelaySeconds),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['text', 'json'], sqsSourceDefaults.bodyFormat),
    messageAttributeNames: Object.freeze([...messageAttributeNames]),
    deadLetter: resolveDeadLetter(given.deadLetter),
    entryAttempts: integerIn('entryAttempts', given.entryAttempts, 1, 100, sqsSourceDefaults.entryAttempts),
    maxErrorBackoff: milliseconds('maxErrorBackoff', given.maxErrorBackoff, sqsSourceDefaults.maxErrorBackoff),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}

/**
 * Milliseconds, 0 (off) or at least a second: sqs-consumer's `heartbeatInterval` is in
 * seconds, so a small number is almost certainly seconds (and would extend every few ms).
 */
function resolveHeartbeatInterval(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const interval = milliseconds('heartbeatInterval', value, 0);
  if (interval > 0 && interval < minHeartbeatInterval) {
    throw new InvalidOptionError(
      'heartbeatInterval',
      `0 (off) or at least ${minHeartbeatInterval} milliseconds`,
      value,
      `it looks like seconds (sqs-consumer's unit): write ${Math.round(interval * 1000)} for ${interval} s; ` +
        'for a visibility timeout under 2 s, leave it out (a third of the timeout)',
    );
  }
  return interval;
}

function resolveRetryDelay(value: unknown): number | Required<RetryBackoff> {
  if (value === undefined) return sqsSourceDefaults.retryDelaySeconds;
  if (typeof value === 'number') return integerIn('retryDelaySeconds', value, 0, maxVisibility, 0);
  if (value === null || typeof value !== 'object') {
    throw new InvalidOptionError('retryDelaySeconds', 'a number of seconds or { baseSeconds, maxSeconds? }', value);
  }
  const backoff = optionsObject(value, ['baseSeconds', 'maxSeconds'], {}, 'retryDelaySeconds') as Partial<RetryBackoff>;
  const baseSeconds = requiredIntegerIn('retryDelaySeconds.baseSeconds', backoff.baseSeconds, 1, maxVisibility);
  const fallbackMax = Math.max(baseSeconds, sqsSourceDefaults.retryBackoffMaxSeconds);
  const maxSeconds = integerIn('retryDelaySeconds.maxSeconds', backoff.maxSeconds, baseSeconds, maxVisibility, fallbackMax);
  return Object.freeze({ baseSeconds, maxSeconds });
}

function resolveDeadLetter(value: unknown): ResolvedSqsSourceOptions['deadLetter'] {
  if (value === undefined) return undefined;
  const given = optionsObject(value, ['queueUrl', 'queueName', 'maxReceiveCount'], {}, 'deadLetter') as Partial<DeadLetterOptions>;
  const queueUrl = optionalString('deadLetter.queueUrl', given.queueUrl);
  const queueName = optionalString('deadLetter.queueName', given.queueName);
  if ((queueUrl === undefined) === (queueName === undefined)) {
    throw new InvalidOptionError(
      'deadLetter.queueUrl',
      'a queue URL, or a `deadLetter.queueName` instead (exactly one of them)',
      given.queueUrl,
    );
  }
  const maxReceiveCount = requiredIntegerIn('deadLetter.maxReceiveCount', given.maxReceiveCount, 1, 1000);
  return Object.freeze({ queueUrl, queueName, maxReceiveCount });
}

function optionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : nonEmptyString(name, value);
}

/** `integerIn` for an option that has no default. */
function requiredIntegerIn(name: string, value: unknown, min: number, max: number): number {
  if (value === undefined) throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  return integerIn(name, value, min, max, min);
}

// A guard rather than a bare Array.isArray(), which would narrow the names to `any[]`.
function isNameList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((name) => typeof name === 'string' && name !== '');
}
