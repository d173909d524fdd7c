// The user's story: a class with get / cleanup / handler that wraps an SQS queue
// through the AWS SDK. Any object with these methods is a Conveyor source.
// (@conveyor/sqs's SqsSource does the same with heartbeats, FIFO order, dead letters and back-off.)
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveredMessage } from '@conveyor/core';
import handleOrders from './handler.ts';

/**
 * One received message, as plain data (it crosses to the pool threads), in
 * Conveyor's words: `id` is the SQS MessageId, `receipt` the receipt handle.
 */
export interface OrderMessage extends DeliveredMessage<string, string> {
  readonly id: string;
  /** The order as JSON text; the handler parses it. */
  readonly body: string;
}

export class OrdersQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  /** Used when the consumer runs inline (no `handlerModule`); with one, the same function runs on every core. */
  readonly handler = handleOrders;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  /** Up to 10 messages; long-polls 20 s on an empty queue, returns [] when the consumer stops. */
  async get(signal: AbortSignal): Promise<OrderMessage[]> {
    try {
      const { Messages = [] } = await this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 20,
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

  /** Deletes what the handler consumed. */
  async cleanup(consumed: OrderMessage[]): Promise<void> {
    for (const chunk of chunks(consumed)) {
      const { Failed = [] } = await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receipt })),
        }),
      );
      // Throwing makes the consumer retry; given up, SQS delivers the message again.
      if (Failed.length > 0) throw new Error(`DeleteMessageBatch failed for ${Failed.length} message(s): ${Failed[0]?.Code}`);
    }
  }

  /** Failed orders are visible again at once instead of after the visibility timeout. */
  async release(failed: OrderMessage[]): Promise<void> {
    for (const chunk of chunks(failed)) {
      await this.#client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receipt, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += 10) result.push(items.slice(start, start + 10));
  return result;
}
