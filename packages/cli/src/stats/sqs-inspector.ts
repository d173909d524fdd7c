import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { openSqsQueue, queueUrlOf, sqsFailure } from '../sqs-connection.js';
import type { SqsLocation } from '../source-url.js';
import type { QueueInspector, QueueStats } from './queue-stats.js';

const countAttributes = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * Reads an SQS queue's approximate counts with `GetQueueAttributes`, and those
 * of its dead-letter queue: the one in its redrive policy, or `?dlq=<name>`
 * (the SqsSource `deadLetter` option moves messages itself, without a policy).
 */
export async function openSqsInspector(location: SqsLocation): Promise<QueueInspector> {
  const { client, queueUrl } = await openSqsQueue(location);
  let deadLetter: { name: string; url: string | undefined } | undefined;
  return {
    async read(): Promise<QueueStats> {
      try {
        const attributes = await attributesOf(client, queueUrl, [...countAttributes, 'RedrivePolicy']);
        const details: Record<string, number | string> = { delayed: count(attributes.ApproximateNumberOfMessagesDelayed) };
        const policy = parsePolicy(attributes.RedrivePolicy);
        const dlqName = location.deadLetterQueue ?? policy?.name;
        if (dlqName !== undefined && deadLetter?.name !== dlqName) {
          deadLetter = { name: dlqName, url: (await queueUrlOf(client, dlqName, policy?.account)) ?? (await queueUrlOf(client, dlqName)) };
        }
        let deadLetters: number | undefined;
        if (deadLetter !== undefined) {
          details.deadLetterQueue = deadLetter.url === undefined ? `${deadLetter.name} (missing)` : deadLetter.name;
          if (policy !== undefined) details.maxReceiveCount = policy.maxReceiveCount;
          if (deadLetter.url !== undefined)
            deadLetters = count((await attributesOf(client, deadLetter.url, ['ApproximateNumberOfMessages'])).ApproximateNumberOfMessages);
        }
        return {
          source: location.display,
          kind: 'sqs',
          waiting: count(attributes.ApproximateNumberOfMessages),
          inFlight: count(attributes.ApproximateNumberOfMessagesNotVisible),
          deadLetters,
          details,
        };
      } catch (error) {
        throw sqsFailure(error, location, location.queueName);
      }
    },
    close(): Promise<void> {
      client.destroy();
      return Promise.resolve();
    },
  };
}

/**
 * The dead-letter queue of a queue: `?dlq=<name>`, else the one its redrive
 * policy names; `url` is undefined when that queue does not exist.
 */
export async function deadLetterQueueOf(
  client: SQSClient,
  queueUrl: string,
  location: SqsLocation,
): Promise<{ name: string; url: string | undefined } | undefined> {
  const policy = parsePolicy((await attributesOf(client, queueUrl, ['RedrivePolicy'])).RedrivePolicy);
  const name = location.deadLetterQueue ?? policy?.name;
  if (name === undefined) return undefined;
  return { name, url: (await queueUrlOf(client, name, policy?.account)) ?? (await queueUrlOf(client, name)) };
}

export async function attributesOf(client: SQSClient, queueUrl: string, names: string[]): Promise<Record<string, string | undefined>> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names as never }));
  return Attributes ?? {};
}

function count(value: string | undefined): number {
  const parsed = Number(value ?? 0);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** `{"deadLetterTargetArn":"arn:aws:sqs:<region>:<account>:<name>","maxReceiveCount":5}` → name, account, count. */
function parsePolicy(text: string | undefined): { name: string; account: string | undefined; maxReceiveCount: number } | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const policy = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    if (typeof policy.deadLetterTargetArn !== 'string') return undefined;
    const parts = policy.deadLetterTargetArn.split(':');
    const name = parts[5];
    if (name === undefined || name === '') return undefined;
    return { name, account: parts[4] === '' ? undefined : parts[4], maxReceiveCount: Number(policy.maxReceiveCount) };
  } catch {
    return undefined;
  }
}
