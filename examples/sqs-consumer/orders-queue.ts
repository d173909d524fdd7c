// The user's story: one class that wraps an SQS queue with the AWS SDK and handles
// its messages. Any object with `get` is a Conveyor source; given to the Consumer as a
// module ({ module, export, options }), its `handler` runs on every pool thread:
// each thread builds its own OrdersQueue from the same options and only calls `handler`.
// (@conveyor/sqs's SqsSource does the same with heartbeats, FIFO order, dead letters and back-off.)
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { Bulk, DeliveredMessage, GetHint } from '@conveyor/core';
import { isUncharged } from '@conveyor/core/kit';
import priceOrders from './orders.ts';

/** Plain data, so the consumer can hand the same options to every pool thread. */
export interface OrdersQueueOptions {
  readonly queueUrl: string;
  /** The SQS client's configuration (region, endpoint, credentials). */
  readonly clientConfig: SQSClientConfig;
  /** Long polling on an empty queue. @default 20 */
  readonly waitTimeSeconds?: number;
}

/**
 * One received message, as plain data (it crosses to the pool threads), in
 * Conveyor's words: `id` is the SQS MessageId, `receipt` the receipt handle.
 */
export interface OrderMessage extends DeliveredMessage<string, string> {
  readonly id: string;
  /** The order as JSON text; the handler parses it. */
  readonly body: string;
}

/** A failed order is tried again after this long; one the handler never received, at once. */
const retryDelaySeconds = 10;

export class OrdersQueue {
  readonly #options: OrdersQueueOptions;
  #client: SQSClient | undefined;

  constructor(options: OrdersQueueOptions) {
    this.#options = options;
  }

  /** Up to 10 messages; long-polls on an empty queue, returns [] when the consumer stops. */
  async get(signal: AbortSignal, hint: GetHint): Promise<OrderMessage[]> {
    try {
      const { Messages = [] } = await this.#sqs().send(
        new ReceiveMessageCommand({
          QueueUrl: this.#options.queueUrl,
          MaxNumberOfMessages: Math.min(10, hint.maxMessages),
          WaitTimeSeconds: this.#options.waitTimeSeconds ?? 20,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      );
      return Messages.map((message) => ({
        id: message.MessageId ?? '',
        receipt: message.ReceiptHandle ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
        body: message.Body ?? '',
      }));
    } catch (error) {
      if (signal.aborted) return [];
      throw error; // the poller dies; the consumer's supervisor revives it with back-off
    }
  }

  /** Runs on a pool thread: prices the orders (a few ms of CPU each). */
  handler(bulk: Bulk<OrderMessage>): void {
    priceOrders(bulk);
  }

  /** Deletes what the handler consumed, 10 a call. */
  async cleanup(consumed: OrderMessage[]): Promise<void> {
    await Promise.all(
      chunks(consumed).map(async (chunk) => {
        const { Failed = [] } = await this.#sqs().send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#options.queueUrl,
            Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receipt })),
          }),
        );
        // Throwing makes the consumer try again; given up, SQS delivers the message again.
        if (Failed.length > 0) throw new Error(`DeleteMessageBatch failed for ${Failed.length} message(s): ${Failed[0]?.Code}`);
      }),
    );
  }

  /** Failed orders come back after a delay; those the handler never received (`isUncharged`) at once. */
  async release(failed: OrderMessage[], error: unknown): Promise<void> {
    const seconds = isUncharged(error) ? 0 : retryDelaySeconds;
    await Promise.all(
      chunks(failed).map((chunk) =>
        this.#sqs().send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#options.queueUrl,
            Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receipt, VisibilityTimeout: seconds })),
          }),
        ),
      ),
    );
  }

  /** Called once by the consumer's shutdown (never on the pool threads' instances, which never open a client). */
  close(): void {
    this.#client?.destroy();
  }

  /** The client, made on first use: the pool threads' instances only run `handler`, so they never make one. */
  #sqs(): SQSClient {
    this.#client ??= new SQSClient(this.#options.clientConfig);
    return this.#client;
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += 10) result.push(items.slice(start, start + 10));
  return result;
}
