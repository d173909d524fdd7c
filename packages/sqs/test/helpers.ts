import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  DeleteMessageBatchCommandOutput,
  DeleteMessageBatchRequest,
  Message,
  SendMessageBatchCommandOutput,
  SendMessageBatchRequest,
  SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { until } from '@conveyor/conformance';
import type { SqsTestServer } from '@conveyor/conformance';

export { until, uniqueName, startSqsServer, delay, useSqsEmulator } from '@conveyor/conformance';
export type { SqsTestServer, SqsEmulator } from '@conveyor/conformance';

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

/**
 * A real client to `server` that records the input of every `commandName` call
 * it sends (`'ChangeMessageVisibilityBatchCommand'`...), so a test can check what
 * the source asked SQS for without waiting for SQS to act on it.
 */
export function recordingClient<I>(server: SqsTestServer, commandName: string): { client: SQSClient; inputs: I[] } {
  const client = new SQSClient(server.clientConfig);
  const inputs: I[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === commandName) inputs.push(args.input as I);
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return { client, inputs };
}

/**
 * A real client whose DeleteMessageBatch calls reach the real server, except the
 * entries `refuse` picks: those are kept out of the request and answered as failed,
 * the way AWS answers a partial failure (fauxqs never does).
 */
export function clientRefusing(
  server: SqsTestServer,
  refuse: (receipt: string) => { code: string; senderFault: boolean } | undefined,
): { client: SQSClient; sent: string[] } {
  const client = new SQSClient(server.clientConfig);
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DeleteMessageBatchCommand') return next(args);
      const input = args.input as DeleteMessageBatchRequest;
      const entries = input.Entries ?? [];
      const refused = entries.flatMap((entry) => {
        const failure = refuse(entry.ReceiptHandle ?? '');
        return failure === undefined ? [] : [{ Id: entry.Id, Code: failure.code, SenderFault: failure.senderFault, Message: 'injected' }];
      });
      const passed = entries.filter((entry) => !refused.some((failure) => failure.Id === entry.Id));
      sent.push(...passed.map((entry) => entry.ReceiptHandle ?? ''));
      if (passed.length === 0) {
        const output: DeleteMessageBatchCommandOutput = { Successful: [], Failed: refused, $metadata: {} };
        return { response: {}, output: output as unknown as Awaited<ReturnType<typeof next>>['output'] };
      }
      const result = await next({ ...args, input: { ...input, Entries: passed } });
      const output = result.output as DeleteMessageBatchCommandOutput;
      return { ...result, output: { ...output, Failed: [...(output.Failed ?? []), ...refused] } as typeof result.output };
    },
    { step: 'initialize', name: 'refuseSomeEntries' },
  );
  return { client, sent };
}

/** What a refusing client answers for an entry it keeps from the server. */
export interface InjectedFailure {
  readonly code: string;
  readonly senderFault: boolean;
}

/**
 * A real client whose SendMessageBatch calls reach the real server, except the
 * entries `refuse` picks (by body and the number of the call, from 1): those are
 * kept out of the request and answered as failed, the way AWS answers a partial
 * failure (fauxqs never does). `calls` records the bodies of every call as made.
 */
export function clientRefusingSends(
  server: SqsTestServer,
  refuse: (body: string, call: number) => InjectedFailure | undefined,
): { client: SQSClient; calls: string[][] } {
  const client = new SQSClient(server.clientConfig);
  const calls: string[][] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = args.input as SendMessageBatchRequest;
      const entries = input.Entries ?? [];
      calls.push(entries.map((entry) => entry.MessageBody ?? ''));
      const call = calls.length;
      const refused = entries.flatMap((entry) => {
        const failure = refuse(entry.MessageBody ?? '', call);
        return failure === undefined ? [] : [{ Id: entry.Id, Code: failure.code, SenderFault: failure.senderFault, Message: 'injected' }];
      });
      const passed = entries.filter((entry) => !refused.some((failure) => failure.Id === entry.Id));
      if (passed.length === 0) {
        const output: SendMessageBatchCommandOutput = { Successful: [], Failed: refused, $metadata: {} };
        return { response: {}, output: output as unknown as Awaited<ReturnType<typeof next>>['output'] };
      }
      const result = await next({ ...args, input: { ...input, Entries: passed } });
      const output = result.output as SendMessageBatchCommandOutput;
      return { ...result, output: { ...output, Failed: [...(output.Failed ?? []), ...refused] } as typeof result.output };
    },
    { step: 'initialize', name: 'refuseSomeSends' },
  );
  return { client, calls };
}

/** Receives (and deletes) until `count` messages came, in the order SQS gave them; FIFO groups unlock as they are deleted. */
export async function drain(client: SQSClient, url: string, count: number): Promise<Message[]> {
  const received: Message[] = [];
  await until(
    async () => {
      const messages = await receiveRaw(client, url, 0, 30);
      received.push(...messages);
      for (const message of messages) {
        await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      }
      return received.length >= count;
    },
    10_000,
    `${count} messages`,
  );
  return received;
}
