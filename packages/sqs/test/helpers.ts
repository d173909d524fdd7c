import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';

export { until, uniqueName, startSqsServer } from '@conveyor/conformance';
export type { SqsTestServer } from '@conveyor/conformance';

export async function createQueue(client: SQSClient, name: string, attributes: Record<string, string> = {}): Promise<string> {
  const fifo = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: { ...fifo, ...attributes } }));
  if (QueueUrl === undefined) throw new Error(`no URL for ${name}`);
  return QueueUrl;
}

export async function deleteQueue(client: SQSClient, url: string): Promise<void> {
  await client.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
}

/** Sends bodies in order, 10 per call; `extra` adds fields (group ids...) per message. */
export async function sendBodies(
  client: SQSClient,
  url: string,
  bodies: readonly string[],
  extra: (body: string, index: number) => Partial<SendMessageBatchRequestEntry> = () => ({}),
): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const entries = bodies
      .slice(start, start + 10)
      .map((body, offset) => ({ Id: String(offset), MessageBody: body, ...extra(body, start + offset) }));
    const result = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    if ((result.Failed ?? []).length > 0) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
  }
}

/** Messages visible plus in flight, as SQS counts them. */
export async function queueDepth(client: SQSClient, url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** One plain receive, bypassing the source (a "second consumer"). */
export async function receiveRaw(client: SQSClient, url: string, waitTimeSeconds = 0, visibilityTimeout?: number): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitTimeSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }),
    }),
  );
  return Messages ?? [];
}

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
