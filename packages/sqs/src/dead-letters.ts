import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '@conveyor/core/kit';
import { SqsBatchEntryError } from './errors/sqs-batch-entry-error.js';
import type { Faults } from './faults.js';
import type { FailedLease, Lease } from './lease.js';
import { undeliveredOf } from './lease.js';
import type { QueueInfo } from './queue-lookup.js';
import { sendInBatches } from './send-in-batches.js';
import { toAwsAttributes } from './sqs-message.js';
import type { EmitSqsSourceEvent } from './sqs-source-events.js';

/** SQS allows at most 10 message attributes. */
const maxMessageAttributes = 10;

/** What became of messages sent to the dead-letter queue. */
export interface DeadLetterOutcome {
  /** Copied to the dead-letter queue (flagged `deadLettered`): to delete from the queue. */
  readonly sent: Lease[];
  /** Not copied (reported): to release as usual, so a later receive moves them. */
  readonly notSent: Lease[];
}

/**
 * The copy half of the `deadLetter` option: sends failed messages to the
 * dead-letter queue with their attributes and why they failed (attribute
 * `ConveyorError`), and says `deadLettered`. The settler deletes them after.
 */
export class DeadLetters {
  readonly #client: SQSClient;
  readonly #entryAttempts: number;
  readonly #clock: Clock;
  readonly #faults: Faults;
  readonly #emit: EmitSqsSourceEvent;

  constructor(client: SQSClient, entryAttempts: number, clock: Clock, faults: Faults, emit: EmitSqsSourceEvent) {
    this.#client = client;
    this.#entryAttempts = entryAttempts;
    this.#clock = clock;
    this.#faults = faults;
    this.#emit = emit;
  }

  async send(items: readonly FailedLease[], target: NonNullable<QueueInfo['deadLetter']>): Promise<DeadLetterOutcome> {
    // Already in the dead-letter queue from an earlier attempt whose delete failed: only the delete is left.
    const alreadySent = items.filter((item) => item.lease.deadLettered).map((item) => item.lease);
    const toSend = items.filter((item) => !item.lease.deadLettered);
    for (const item of toSend) item.lease.state = 'settling';
    const outcome = await sendInBatches(toSend, {
      operation: 'SendMessageBatch',
      toEntry: (item, id) => ({
        Id: id,
        MessageBody: item.lease.rawBody,
        MessageAttributes: withReason(toAwsAttributes(item.lease.messageAttributes), item.error),
        ...(target.fifo ? { MessageGroupId: item.lease.groupId ?? 'conveyor-dead-letters', MessageDeduplicationId: item.lease.id } : {}),
      }),
      messageIdOf: (item) => item.lease.id,
      call: (entries) => this.#client.send(new SendMessageBatchCommand({ QueueUrl: target.url, Entries: entries })),
      attempts: this.#entryAttempts,
      clock: this.#clock,
    });
    for (const item of outcome.succeeded) {
      item.lease.deadLettered = true;
      this.#emit('deadLettered', undeliveredOf(item.lease), item.error);
    }
    const notSent = [...outcome.failed.map((entry) => entry.item.lease), ...outcome.unsent.map((entry) => entry.item.lease)];
    if (notSent.length > 0) {
      const failures = outcome.failed.map((entry) => entry.failure);
      this.#faults.report(outcome.unsent[0]?.error ?? new SqsBatchEntryError('SendMessageBatch', failures), 'DeadLetter');
    }
    return { sent: [...alreadySent, ...outcome.succeeded.map((item) => item.lease)], notSent };
  }
}

/** Adds why the message was dead-lettered, as an attribute, when SQS's limit of 10 attributes allows. */
function withReason(attributes: Record<string, MessageAttributeValue>, reason: unknown): Record<string, MessageAttributeValue> {
  if (Object.keys(attributes).length >= maxMessageAttributes || 'ConveyorError' in attributes) return attributes;
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return { ...attributes, ConveyorError: { DataType: 'String', StringValue: text.slice(0, 1024) || 'unknown' } };
}
