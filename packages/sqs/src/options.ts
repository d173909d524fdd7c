import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { consoleLogger, InvalidOptionError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';

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
   * the heartbeat off. @default a third of the visibility timeout
   */
  heartbeatInterval?: number;
  /** The heartbeat stops extending a message this many seconds after it was received. @default 43200 (the SQS limit) */
  maxExtensionSeconds?: number;
  /**
   * Seconds before a released (failed) message is visible again: a number (0 = now)
   * or an exponential backoff by receive count. @default 0
   */
  retryDelaySeconds?: number | RetryBackoff;
  /** 'json' parses bodies; a body that does not parse fails (`SqsBodyParseError`) and is never handed to a handler. @default 'text' */
  bodyFormat?: 'text' | 'json';
  /** Message attributes to receive. @default ['All'] */
  messageAttributeNames?: readonly string[];
  /** Move messages that failed too often to a dead-letter queue (for queues without a redrive policy). */
  deadLetter?: DeadLetterOptions;
  /** Calls made for a batch entry SQS refused without blaming the sender, before it is reported. @default 3 */
  entryAttempts?: number;
  /** Longest back-off in ms after network errors, throttling or server errors (it doubles from 100 ms). @default 5000 */
  maxErrorBackoff?: number;
  /** Where the source logs faults it recovers from. @default warnings and errors to stderr */
  logger?: Logger;
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
}

const knownOptions = new Set([
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
]);
const maxVisibility = 43_200;

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolveSqsSourceOptions(options: SqsSourceOptions): ResolvedSqsSourceOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key))
      throw new InvalidOptionError(key, 'one of the known options, not an unknown key', (options as Record<string, unknown>)[key]);
  }

  const client = options.client;
  if (
    client !== undefined &&
    (client === null || typeof client !== 'object' || typeof (client as { send?: unknown }).send !== 'function')
  ) {
    throw new InvalidOptionError('client', 'an SQSClient from @aws-sdk/client-sqs', client);
  }
  const clientConfig = options.clientConfig;
  if (clientConfig !== undefined && (clientConfig === null || typeof clientConfig !== 'object')) {
    throw new InvalidOptionError('clientConfig', 'an SQSClientConfig object', clientConfig);
  }
  if (client !== undefined && clientConfig !== undefined) {
    throw new InvalidOptionError('clientConfig', 'absent when `client` is given (give one of them)', clientConfig);
  }

  const queueUrl = optionalString('queueUrl', options.queueUrl);
  const queueName = optionalString('queueName', options.queueName);
  if ((queueUrl === undefined) === (queueName === undefined)) {
    throw new InvalidOptionError('queueUrl', 'a queue URL, or a `queueName` instead (exactly one of them)', options.queueUrl);
  }
  // AWS requires FIFO queue names to end in .fifo, so the name tells.
  const fifo = (queueUrl ?? queueName ?? '').endsWith('.fifo');

  const waitTimeSeconds = integerIn('waitTimeSeconds', options.waitTimeSeconds, 0, 20, sqsSourceDefaults.waitTimeSeconds);
  const maxMessages = integerIn('maxMessages', options.maxMessages, 1, 1000, sqsSourceDefaults.maxMessages);
  const visibilityTimeoutSeconds =
    options.visibilityTimeoutSeconds === undefined
      ? undefined
      : integerIn('visibilityTimeoutSeconds', options.visibilityTimeoutSeconds, 0, maxVisibility, 0);
  let heartbeatInterval: number | undefined;
  if (options.heartbeatInterval !== undefined) {
    heartbeatInterval = options.heartbeatInterval;
    if (typeof heartbeatInterval !== 'number' || !Number.isFinite(heartbeatInterval) || heartbeatInterval < 0) {
      throw new InvalidOptionError(
        'heartbeatInterval',
        'a finite number of milliseconds >= 0 (0 turns the heartbeat off)',
        heartbeatInterval,
      );
    }
    // Extensions further apart than half the timeout could let a message reappear between two of them.
    if (visibilityTimeoutSeconds !== undefined && heartbeatInterval > (visibilityTimeoutSeconds * 1000) / 2) {
      throw new InvalidOptionError(
        'heartbeatInterval',
        `at most half of \`visibilityTimeoutSeconds\` (${(visibilityTimeoutSeconds * 1000) / 2} ms)`,
        heartbeatInterval,
      );
    }
  }
  const maxExtensionSeconds = integerIn(
    'maxExtensionSeconds',
    options.maxExtensionSeconds,
    1,
    maxVisibility,
    sqsSourceDefaults.maxExtensionSeconds,
  );
  const retryDelaySeconds = resolveRetryDelay(options.retryDelaySeconds);

  const bodyFormat = options.bodyFormat ?? sqsSourceDefaults.bodyFormat;
  if (bodyFormat !== 'text' && bodyFormat !== 'json') throw new InvalidOptionError('bodyFormat', "'text' or 'json'", bodyFormat);
  const messageAttributeNames = options.messageAttributeNames ?? sqsSourceDefaults.messageAttributeNames;
  if (!isNameList(messageAttributeNames)) {
    throw new InvalidOptionError('messageAttributeNames', "an array of attribute names (or ['All'])", messageAttributeNames);
  }

  let deadLetter: ResolvedSqsSourceOptions['deadLetter'];
  if (options.deadLetter !== undefined) {
    const given = options.deadLetter as DeadLetterOptions | null;
    if (given === null || typeof given !== 'object')
      throw new InvalidOptionError('deadLetter', 'an object like { queueName, maxReceiveCount }', given);
    const dlqUrl = optionalString('deadLetter.queueUrl', given.queueUrl);
    const dlqName = optionalString('deadLetter.queueName', given.queueName);
    if ((dlqUrl === undefined) === (dlqName === undefined)) {
      throw new InvalidOptionError(
        'deadLetter.queueUrl',
        'a queue URL, or a `deadLetter.queueName` instead (exactly one of them)',
        given.queueUrl,
      );
    }
    const maxReceiveCount = integerIn('deadLetter.maxReceiveCount', given.maxReceiveCount, 1, 1000, Number.NaN);
    deadLetter = Object.freeze({ queueUrl: dlqUrl, queueName: dlqName, maxReceiveCount });
  }

  const entryAttempts = integerIn('entryAttempts', options.entryAttempts, 1, 100, sqsSourceDefaults.entryAttempts);
  const maxErrorBackoff = options.maxErrorBackoff ?? sqsSourceDefaults.maxErrorBackoff;
  if (typeof maxErrorBackoff !== 'number' || !Number.isFinite(maxErrorBackoff) || maxErrorBackoff < 0) {
    throw new InvalidOptionError('maxErrorBackoff', 'a finite number of milliseconds >= 0', maxErrorBackoff);
  }
  const logger = options.logger ?? consoleLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as unknown as Record<string, unknown>)[level] !== 'function') {
      throw new InvalidOptionError('logger', `a logger with a \`${level}\` method (pino's shape)`, logger);
    }
  }

  return Object.freeze({
    client,
    clientConfig: clientConfig ?? {},
    queueUrl,
    queueName,
    fifo,
    waitTimeSeconds,
    maxMessages,
    visibilityTimeoutSeconds,
    heartbeatInterval,
    maxExtensionSeconds,
    retryDelaySeconds,
    bodyFormat,
    messageAttributeNames: Object.freeze([...messageAttributeNames]),
    deadLetter,
    entryAttempts,
    maxErrorBackoff,
    logger,
  });
}

function resolveRetryDelay(value: unknown): number | Required<RetryBackoff> {
  if (value === undefined) return sqsSourceDefaults.retryDelaySeconds;
  if (typeof value === 'number') return integerIn('retryDelaySeconds', value, 0, maxVisibility, 0);
  if (value === null || typeof value !== 'object') {
    throw new InvalidOptionError('retryDelaySeconds', 'a number of seconds or { baseSeconds, maxSeconds? }', value);
  }
  const backoff = value as RetryBackoff;
  const baseSeconds = integerIn('retryDelaySeconds.baseSeconds', backoff.baseSeconds, 1, maxVisibility, Number.NaN);
  const maxSeconds = integerIn(
    'retryDelaySeconds.maxSeconds',
    backoff.maxSeconds,
    baseSeconds,
    maxVisibility,
    Math.max(baseSeconds, sqsSourceDefaults.retryBackoffMaxSeconds),
  );
  return Object.freeze({ baseSeconds, maxSeconds });
}

// A guard rather than a bare Array.isArray(), which would narrow the names to `any[]`.
function isNameList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((name) => typeof name === 'string' && name !== '');
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError(name, 'a non-empty string', value);
  return value;
}

/** An integer in [min, max]; `fallback` NaN means the option is required. */
function integerIn(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined && !Number.isNaN(fallback)) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}
