import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { Message, MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { InvalidOptionError } from '@conveyor/core';
import { SqsBatchEntryError } from './errors/sqs-batch-entry-error.js';

/** Where `SqsDeadLetterQueue` reads dead letters and where it sends them back. */
export interface SqsDeadLetterQueueOptions {
  readonly client: SQSClient;
  /** The dead-letter queue (of the source queue's redrive policy, or of `SqsSource`'s `deadLetter` option). */
  readonly deadLetterQueueUrl: string;
  /** The queue the dead letters go back to. */
  readonly queueUrl: string;
  /**
   * Seconds a dead letter stays invisible while it is looked at or moved: a
   * redrive that dies mid-way leaves its messages in the dead-letter queue,
   * visible again after this long. @default 60
   */
  readonly visibilityTimeout?: number;
}

/** A message of the dead-letter queue, as `peek()` reads it. */
export interface SqsDeadLetter {
  /** Its SQS message id in the dead-letter queue. */
  readonly id: string;
  readonly body: string;
  /** Receives SQS counted (`ApproximateReceiveCount`; looking at it counts one). */
  readonly receiveCount: number;
  /** Why it was dead-lettered (the `ConveyorError` attribute `SqsSource` adds), when known. */
  readonly lastError: string | undefined;
  /** When it was first sent (ms since the epoch, `SentTimestamp`). */
  readonly sentAt: number | undefined;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
}

// The attribute SqsSource's dead-lettering adds; a message sent back does not carry it on.
const reasonAttribute = 'ConveyorError';

/**
 * The dead letters of an SQS queue, to look at and to send back (redrive).
 * A redrive sends each message to the queue and only then deletes it from the
 * dead-letter queue: a crash in between delivers it twice, never loses it (on a
 * FIFO queue its dead-letter message id is the deduplication id, so a repeat
 * within SQS's 5 minutes is dropped).
 *
 * ```ts
 * const dead = new SqsDeadLetterQueue({ client, deadLetterQueueUrl, queueUrl });
 * for (const letter of await dead.peek(10)) console.log(letter.id, letter.lastError);
 * await dead.redrive({ limit: 100 });
 * ```
 */
export class SqsDeadLetterQueue {
  readonly #client: SQSClient;
  readonly #dlq: string;
  readonly #queue: string;
  readonly #visibility: number;

  constructor(options: SqsDeadLetterQueueOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object', options);
    if (typeof options.client?.send !== 'function') throw new InvalidOptionError('client', 'an SQSClient', options.client);
    for (const name of ['deadLetterQueueUrl', 'queueUrl'] as const)
      if (typeof options[name] !== 'string' || options[name] === '') throw new InvalidOptionError(name, 'a queue URL', options[name]);
    if (options.deadLetterQueueUrl === options.queueUrl)
      throw new InvalidOptionError('queueUrl', 'another queue than the dead-letter queue', options.queueUrl);
    const visibility = options.visibilityTimeout ?? 60;
    if (!Number.isInteger(visibility) || visibility < 1 || visibility > 43_200)
      throw new InvalidOptionError('visibilityTimeout', 'an integer number of seconds from 1 to 43200', visibility);
    this.#client = options.client;
    this.#dlq = options.deadLetterQueueUrl;
    this.#queue = options.queueUrl;
    this.#visibility = visibility;
  }

  /**
   * Looks at up to `limit` dead letters without removing them: they are
   * received (which SQS counts) and made visible again at once.
   */
  async peek(limit = 10): Promise<SqsDeadLetter[]> {
    checkLimit(limit);
    const seen = new Map<string, Message>();
    try {
      while (seen.size < limit) {
        const batch = await this.#receive(Math.min(10, limit - seen.size));
        const fresh = batch.filter((message) => message.MessageId !== undefined && !seen.has(message.MessageId));
        if (fresh.length === 0) break;
        for (const message of fresh) seen.set(message.MessageId as string, message);
      }
    } finally {
      await this.#showAgain([...seen.values()]);
    }
    return [...seen.values()].map(toDeadLetter);
  }

  /**
   * Sends dead letters back to the queue: all of them, or `limit`. Each goes
   * with its body and attributes (its group on a FIFO queue), then is deleted
   * from the dead-letter queue. Resolves to how many moved; a message SQS
   * refuses to take stays in the dead-letter queue and the redrive rejects with
   * `SqsBatchEntryError` after moving the others of its batch.
   */
  async redrive(options: { readonly limit?: number } = {}): Promise<number> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY) checkLimit(limit);
    const fifo = this.#queue.endsWith('.fifo');
    let moved = 0;
    while (moved < limit) {
      const batch = await this.#receive(Math.min(10, limit - moved));
      if (batch.length === 0) break;
      const entries = batch.map((message, index): SendMessageBatchRequestEntry => {
        const attributes = { ...message.MessageAttributes };
        delete attributes[reasonAttribute];
        return {
          Id: String(index),
          MessageBody: message.Body ?? '',
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
          ...(fifo
            ? { MessageGroupId: message.Attributes?.MessageGroupId ?? 'conveyor-redrive', MessageDeduplicationId: message.MessageId }
            : {}),
        };
      });
      const sent = await this.#client.send(new SendMessageBatchCommand({ QueueUrl: this.#queue, Entries: entries }));
      const done = (sent.Successful ?? []).map((entry) => batch[Number(entry.Id)] as Message);
      if (done.length > 0) {
        await this.#client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#dlq,
            Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      }
      moved += done.length;
      const failed = sent.Failed ?? [];
      if (failed.length > 0) {
        await this.#showAgain(failed.map((entry) => batch[Number(entry.Id)] as Message));
        throw new SqsBatchEntryError(
          'SendMessageBatch',
          failed.map((entry) => ({
            messageId: batch[Number(entry.Id)]?.MessageId ?? '',
            awsCode: entry.Code ?? 'Unknown',
            message: entry.Message ?? '',
            senderFault: entry.SenderFault ?? false,
          })),
        );
      }
    }
    return moved;
  }

  async #receive(count: number): Promise<Message[]> {
    const { Messages } = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#dlq,
        MaxNumberOfMessages: count,
        // A short wait: SQS's short polling may answer empty while messages remain.
        WaitTimeSeconds: 1,
        VisibilityTimeout: this.#visibility,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  }

  /** Makes received messages visible again at once. */
  async #showAgain(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      await this.#client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#dlq,
          Entries: messages.slice(start, start + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}

function checkLimit(limit: number): void {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)
    throw new InvalidOptionError('limit', 'a non-negative integer', limit);
}

function toDeadLetter(message: Message): SqsDeadLetter {
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    id: message.MessageId ?? '',
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    lastError: message.MessageAttributes?.[reasonAttribute]?.StringValue,
    sentAt: Number.isFinite(sent) ? sent : undefined,
    messageAttributes: message.MessageAttributes ?? {},
  };
}
