import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { ConveyorError } from '@conveyor/core';
import { SqsBodyParseError } from './errors/sqs-body-parse-error.js';
import { SqsFifoGroupError } from './errors/sqs-fifo-group-error.js';
import type { FifoOrder } from './fifo-order.js';
import type { FailedLease, Lease } from './lease.js';
import { undeliveredOf } from './lease.js';
import type { LeaseBook } from './lease-book.js';
import type { QueueInfo } from './queue-lookup.js';
import type { SqsMessage } from './sqs-message.js';
import { toSqsMessage } from './sqs-message.js';
import type { EmitSqsSourceEvent } from './sqs-source-events.js';
import type { ResolvedSqsSourceOptions } from './sqs-source-options.js';

/** SQS returns at most 10 messages per receive. */
const maxReceivePerCall = 10;

/** What one `get()` received. */
export interface Received {
  /** As SQS returned them, from every receive that worked. */
  readonly messages: Message[];
  /** The first failure of a receive, if one failed. */
  readonly failure: unknown;
}

/** What `accept()` made of received messages. */
export interface Accepted<T> {
  /** For the handler; each has a lease in the book. */
  readonly delivered: SqsMessage<T>[];
  /** Failed without reaching the handler (a bad body, a broken FIFO group): to release. */
  readonly failed: FailedLease[];
  /** Received more often than `deadLetter.maxReceiveCount` without being settled: to dead-letter. */
  readonly deadLetters: FailedLease[];
}

/** What the receiver works with; the source owns each of them. */
export interface ReceiverParts {
  readonly client: SQSClient;
  readonly options: ResolvedSqsSourceOptions;
  readonly leases: LeaseBook;
  /** FIFO queues only. */
  readonly order: FifoOrder<Lease> | undefined;
  readonly emit: EmitSqsSourceEvent;
}

/**
 * Receives messages (`ReceiveMessage`, several calls at once while the queue has
 * a backlog) and accepts them: parses bodies, opens a lease for each delivered
 * message, and sets apart those that must not reach a handler.
 */
export class Receiver<T> {
  readonly #parts: ReceiverParts;
  /** The last receive came back full: the next get() may make several receives at once. */
  #backlog = true;

  constructor(parts: ReceiverParts) {
    this.#parts = parts;
  }

  /** Up to `wanted` messages, in calls of 10; only the first call long-polls. */
  async receive(info: QueueInfo, wanted: number, signal: AbortSignal): Promise<Received> {
    const calls = this.#backlog ? Math.ceil(wanted / maxReceivePerCall) : 1;
    const sizes = Array.from({ length: calls }, (_, index) => Math.min(maxReceivePerCall, wanted - index * maxReceivePerCall));
    // Only the first receive long-polls: the others return at once, so a get() never
    // holds received messages while a sibling receive waits on an emptied queue.
    const waitTimeSeconds = this.#parts.options.waitTimeSeconds;
    const results = await Promise.allSettled(
      sizes.map((size, index) => this.#receive(info, size, index === 0 ? waitTimeSeconds : 0, signal)),
    );
    const messages: Message[] = [];
    let failure: unknown;
    let full = false;
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        failure ??= result.reason;
        return;
      }
      messages.push(...result.value);
      if (result.value.length >= (sizes[index] as number)) full = true;
    });
    this.#backlog = full;
    return { messages, failure };
  }

  /** Turns received messages into deliveries, received at `receivedAt` (clock time). */
  accept(raw: readonly Message[], info: QueueInfo, receivedAt: number): Accepted<T> {
    const { leases, order, options } = this.#parts;
    const accepted: Accepted<T> = { delivered: [], failed: [], deadLetters: [] };
    // FIFO: once a message of a group cannot be delivered, its later ones in this receive are not delivered either.
    const brokenGroups = new Map<string, SqsFifoGroupError>();
    for (const message of raw) {
      if (message.ReceiptHandle === undefined) continue;
      const base = toSqsMessage<string>(message, message.Body ?? '');
      const lease = openLease(base, order === undefined ? undefined : base.groupId, receivedAt);
      const broken = lease.groupId === undefined ? undefined : brokenGroups.get(lease.groupId);
      if (broken !== undefined) {
        accepted.failed.push({ lease, error: broken });
        continue;
      }
      const limit = info.deadLetter?.maxReceiveCount;
      if (limit !== undefined && lease.receiveCount > limit) {
        // Received more often than allowed without being released: its consumers crashed on it.
        const reason = `Message ${lease.id} was received ${lease.receiveCount} times (more than ${limit}) without being consumed`;
        accepted.deadLetters.push({ lease, error: new ConveyorError('SQS_MAX_RECEIVES', reason) });
        continue;
      }
      let body: T;
      if (options.bodyFormat === 'json') {
        try {
          body = JSON.parse(base.body) as T;
        } catch (cause) {
          const error = new SqsBodyParseError(lease.id, cause);
          this.#parts.emit('invalidBody', undeliveredOf(lease), error);
          accepted.failed.push({ lease, error });
          if (lease.groupId !== undefined) brokenGroups.set(lease.groupId, new SqsFifoGroupError(lease.groupId, lease.id, error));
          continue;
        }
      } else {
        body = base.body as T;
      }
      leases.add(lease);
      order?.add(lease);
      accepted.delivered.push(base.body === body ? (base as SqsMessage<T>) : { ...base, body });
    }
    return accepted;
  }

  async #receive(info: QueueInfo, count: number, waitTimeSeconds: number, signal: AbortSignal): Promise<Message[]> {
    const { client, options } = this.#parts;
    const visibility = options.visibilityTimeoutSeconds;
    const response = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: info.url,
        MaxNumberOfMessages: count,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: [...options.messageAttributeNames],
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      }),
      { abortSignal: signal },
    );
    return response.Messages ?? [];
  }
}

function openLease(message: SqsMessage, groupId: string | undefined, receivedAt: number): Lease {
  return {
    receipt: message.receipt,
    id: message.id,
    receiveCount: message.receiveCount,
    groupId,
    rawBody: message.body,
    messageAttributes: message.messageAttributes,
    receivedAt,
    extendedAt: receivedAt,
    state: 'handling',
    extensionStopped: false,
    deadLettered: false,
  };
}
