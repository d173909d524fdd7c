import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { ConveyorError } from '@conveyor/core';
import type { SqsError } from './errors/sqs-error.js';
import { SqsSendError } from './errors/sqs-send-error.js';
import type { SqsSendFailure } from './errors/sqs-send-error.js';
import { queueUrlOf } from './queue-lookup.js';
import { maxBatchBytes, sendInBatches } from './send-in-batches.js';
import type { PreparedMessage, SqsOutgoingMessage } from './sqs-outgoing-message.js';
import { prepareMessages } from './sqs-outgoing-message.js';
import type { ResolvedSqsSenderOptions, SqsSenderOptions } from './sqs-sender-options.js';
import { resolveSqsSenderOptions } from './sqs-sender-options.js';

/**
 * Sends messages to an SQS queue (a producer in code): `SendMessageBatch` calls of
 * 10 messages (fewer when they would pass SQS's 256 KiB a call), up to
 * `maxConcurrentBatches` at once, resolving to the new messages' ids in input order.
 *
 * - A message SQS refuses without blaming the sender (or whose call fails with a
 *   network, throttling or server error) is sent again, alone with the other refused
 *   ones, after the `retryBackoff`, until `entryAttempts` calls were made; a message
 *   SQS blames the sender for is not retried. What could not be sent rejects the send
 *   with `SqsSendError`, which lists the failures and the ids of what was sent.
 * - A message the sender can tell is wrong before any call (a body that is not a string,
 *   or not JSON with `bodyFormat: 'json'`; a FIFO message without a group) rejects the
 *   send before anything is sent.
 * - FIFO queues (`.fifo`): every message needs a group (`groupId`); deduplication ids
 *   are given per message, derived by `deduplicationId(body, text)`, or left to the
 *   queue's content-based deduplication. One call at a time by default, so each group
 *   keeps its order; after a call with a failure, the later messages are not sent
 *   (reported as `NotSent`), so none overtakes the failed one.
 *
 * ```ts
 * const sender = new SqsSender<Order>({ queueUrl, bodyFormat: 'json', clientConfig: { region: 'eu-west-1' } });
 * const ids = await sender.send(orders);
 * await sender.sendMessages([{ body: order, groupId: order.customer, messageAttributes: { priority: 2 } }]);
 * ```
 */
export class SqsSender<T = string> {
  readonly #options: ResolvedSqsSenderOptions<T>;
  readonly #client: SQSClient;
  readonly #ownsClient: boolean;
  #queueUrl: Promise<string> | undefined;
  #closed = false;

  constructor(options: SqsSenderOptions<T>) {
    const resolved = resolveSqsSenderOptions(options);
    this.#options = resolved;
    this.#ownsClient = resolved.client === undefined;
    this.#client = resolved.client ?? new SQSClient(resolved.clientConfig);
    if (resolved.queueUrl !== undefined) this.#queueUrl = Promise.resolve(resolved.queueUrl);
  }

  /** The SQS client the sender uses. */
  get client(): SQSClient {
    return this.#client;
  }

  /** The validated options. */
  get options(): ResolvedSqsSenderOptions<T> {
    return this.#options;
  }

  /** Sends one message per body (the sender's `groupId`, `deduplicationId` and `delaySeconds` apply); resolves to their `MessageId`s, in order. */
  send(bodies: readonly T[]): Promise<string[]> {
    if (!isArray(bodies)) return Promise.reject(new TypeError(`send() takes an array of bodies, got ${typeof bodies}`));
    return this.sendMessages(bodies.map((body): SqsOutgoingMessage<T> => ({ body })));
  }

  /**
   * Sends messages with their own group, deduplication id, delay or attributes; resolves
   * to their `MessageId`s, in order. Rejects with `SqsSendError` when some were not sent
   * (or none, for a message refused before any call), and with `SqsError` when the
   * `queueName` cannot be resolved.
   */
  async sendMessages(messages: readonly SqsOutgoingMessage<T>[]): Promise<string[]> {
    if (!isArray(messages)) throw new TypeError(`sendMessages() takes an array of { body, ... }, got ${typeof messages}`);
    if (this.#closed) throw new ConveyorError('SQS_SENDER_CLOSED', 'This SqsSender is closed; create a new one');
    if (messages.length === 0) return [];
    const { prepared, refused } = prepareMessages(messages, this.#options, this.#options.traceContext?.());
    const ids = new Array<string | undefined>(messages.length).fill(undefined);
    if (refused.length > 0) throw new SqsSendError(refused, ids);
    const queueUrl = await this.#resolveQueueUrl();
    const options = this.#options;
    const outcome = await sendInBatches<PreparedMessage, SendMessageBatchRequestEntry>(prepared, {
      operation: 'SendMessageBatch',
      toEntry: (message, id) => ({ ...message.entry, Id: id }),
      messageIdOf: (message) => String(message.index),
      call: (entries) => this.#client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
      attempts: options.entryAttempts,
      retryBackoff: options.retryBackoff,
      clock: options.clock,
      maxConcurrentCalls: options.maxConcurrentBatches,
      chunkBytes: { sizeOf: (message) => message.bytes, maxBytes: maxBatchBytes },
      retryFailedCalls: true,
      stopAfterFailure: options.fifo,
      onSucceeded: (message, success) => {
        ids[message.index] = success.MessageId ?? '';
      },
    });
    const failures: SqsSendFailure[] = [];
    let cause: SqsError | undefined;
    for (const { item, failure } of outcome.failed) {
      failures.push({ index: item.index, awsCode: failure.awsCode, senderFault: failure.senderFault, message: failure.message });
    }
    for (const { item, error } of outcome.unsent) {
      cause ??= error;
      failures.push({ index: item.index, awsCode: error.awsCode ?? error.code, senderFault: !error.retryable, message: error.message });
    }
    const reported = new Set(failures.map((failure) => failure.index));
    for (const message of prepared) {
      if (ids[message.index] !== undefined || reported.has(message.index)) continue;
      failures.push({
        index: message.index,
        awsCode: 'NotSent',
        senderFault: false,
        message: 'not sent: an earlier message of this FIFO send failed',
      });
    }
    if (failures.length > 0)
      throw new SqsSendError(
        failures.sort((a, b) => a.index - b.index),
        ids,
        cause,
      );
    return ids as string[];
  }

  /** Destroys the client if the sender created it. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
    return Promise.resolve();
  }

  /** `await using sender = new SqsSender(...)`: closes it when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #resolveQueueUrl(): Promise<string> {
    // A failed lookup is not kept: the next send asks again.
    this.#queueUrl ??= queueUrlOf(this.#client, this.#options.queueName as string).catch((error: unknown) => {
      this.#queueUrl = undefined;
      throw error;
    });
    return this.#queueUrl;
  }
}

// A guard rather than a bare Array.isArray(), which would narrow the array to `any[]`.
function isArray<T>(value: readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}
