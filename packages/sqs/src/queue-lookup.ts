import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';
import type { SourceDepth } from '@conveyor/core';
import { toSqsError } from './errors/error-mapping.js';
import type { ResolvedSqsSourceOptions } from './sqs-source-options.js';

/** What the source learns about its queue on the first `get()`. */
export interface QueueInfo {
  readonly url: string;
  /** The given `visibilityTimeoutSeconds`, or the queue's `VisibilityTimeout`. */
  readonly visibilityTimeoutSeconds: number;
  /** The dead-letter queue of the `deadLetter` option, resolved. */
  readonly deadLetter: { readonly url: string; readonly fifo: boolean; readonly maxReceiveCount: number } | undefined;
}

/**
 * Finds the queue (its URL, its visibility timeout, the dead-letter queue's URL)
 * once, and tells its depth. A failed lookup is not cached: the next call asks again.
 */
export class QueueLookup {
  readonly #client: SQSClient;
  readonly #options: ResolvedSqsSourceOptions;
  #pending: Promise<QueueInfo> | undefined;
  #info: QueueInfo | undefined;

  constructor(client: SQSClient, options: ResolvedSqsSourceOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** The queue URL, once known (given, or resolved). */
  get url(): string | undefined {
    return this.#info?.url ?? this.#options.queueUrl;
  }

  /** The queue, looked up on the first call. Rejects with `SqsError`. */
  resolve(): Promise<QueueInfo> {
    if (this.#info !== undefined) return Promise.resolve(this.#info);
    this.#pending ??= this.#load().then(
      (info) => (this.#info = info),
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }

  /** The queue's depth as SQS counts it (approximate), with the dead-letter queue's when the source has one. */
  async depth(): Promise<SourceDepth> {
    const info = await this.resolve();
    const [[waiting = 0, inFlight = 0], dead] = await Promise.all([
      this.#count(info.url, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']),
      info.deadLetter === undefined ? Promise.resolve(undefined) : this.#count(info.deadLetter.url, ['ApproximateNumberOfMessages']),
    ]);
    return dead === undefined ? { waiting, inFlight } : { waiting, inFlight, deadLetters: dead[0] ?? 0 };
  }

  async #load(): Promise<QueueInfo> {
    const options = this.#options;
    const url = options.queueUrl ?? (await this.#urlOf(options.queueName as string));
    const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? (await this.#count(url, ['VisibilityTimeout'], 30))[0] ?? 30;
    let deadLetter: QueueInfo['deadLetter'];
    if (options.deadLetter !== undefined) {
      const dlqUrl = options.deadLetter.queueUrl ?? (await this.#urlOf(options.deadLetter.queueName as string));
      deadLetter = { url: dlqUrl, fifo: dlqUrl.endsWith('.fifo'), maxReceiveCount: options.deadLetter.maxReceiveCount };
    }
    return { url, visibilityTimeoutSeconds, deadLetter };
  }

  #urlOf(queueName: string): Promise<string> {
    return queueUrlOf(this.#client, queueName);
  }

  /** Numeric attributes of a queue (`absent` for one SQS did not return). */
  async #count(url: string, names: QueueAttributeName[], absent = 0): Promise<number[]> {
    try {
      const response = await this.#client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
      return names.map((name) => Number(response.Attributes?.[name] ?? absent));
    } catch (error) {
      throw toSqsError(error, 'GetQueueAttributes');
    }
  }
}

/** The URL of a queue by name (`GetQueueUrl`); rejects with `SqsError` (`SQS_QUEUE_NOT_FOUND` when there is none). */
export async function queueUrlOf(client: SQSClient, queueName: string): Promise<string> {
  try {
    const response = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (response.QueueUrl === undefined) throw new Error(`GetQueueUrl returned no URL for ${queueName}`);
    return response.QueueUrl;
  } catch (error) {
    throw toSqsError(error, 'GetQueueUrl');
  }
}
