import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

/** A real SQS-compatible server (fauxqs) on 127.0.0.1 and a client pointed at it. */
export interface TestServer {
  readonly endpoint: string;
  readonly port: number;
  readonly client: SQSClient;
  /** A client config for sources that create their own client. */
  readonly clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  stop(): Promise<void>;
  /** Stops the server (the port stays known); `restart()` starts it again on the same port. */
  halt(): Promise<void>;
  restart(): Promise<void>;
}

export async function startServer(options: { dataDir?: string } = {}): Promise<TestServer> {
  let server = await startFauxqs({ port: 0, logger: false, ...options });
  const port = server.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const client = new SQSClient(clientConfig);
  let running = true;
  return {
    endpoint,
    port,
    client,
    clientConfig,
    async stop() {
      client.destroy();
      if (running) await server.stop();
      running = false;
    },
    async halt() {
      await server.stop();
      running = false;
    },
    async restart() {
      server = await startFauxqs({ port, logger: false, ...options });
      running = true;
    },
  };
}

/** A queue name no other test uses. */
export function uniqueName(prefix: string, fifo = false): string {
  return `${prefix}-${randomUUID().slice(0, 8)}${fifo ? '.fifo' : ''}`;
}

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

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
