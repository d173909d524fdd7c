import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsServer } from '@conveyor/conformance';
import type { SqsTestServer } from '@conveyor/conformance';
import { cli, jsonLines } from './helpers.js';

let server: SqsTestServer;
let client: SQSClient;
let base: string;

beforeAll(async () => {
  server = await startSqsServer();
  base = `sqs://127.0.0.1:${server.port}/000000000000`;
  client = server.client;
});

afterAll(async () => {
  await server.stop();
});

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl as string;
}

describe('send and stats on SQS', () => {
  it('sends every line as a message body and reports waiting, in flight and dead letters', async () => {
    const dlqUrl = await createQueue('cli-orders-dlq');
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const queueUrl = await createQueue('cli-orders', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 3 }),
    });

    const values = Array.from({ length: 30 }, (_, n) => ({ order: n }));
    const sent = await cli(['send', `${base}/cli-orders`], { input: jsonLines(values) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^sent 30 messages to sqs:\/\/127\.0\.0\.1:\d+\/000000000000\/cli-orders/);

    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 5, VisibilityTimeout: 60 }),
    );
    expect(Messages).toHaveLength(5);
    expect(JSON.parse(Messages?.[0]?.Body ?? 'null')).toHaveProperty('order');
    await client.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'dead 1' }));
    await client.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'dead 2' }));

    const stats = await cli(['stats', `${base}/cli-orders`, '--json']);
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout)).toEqual({
      source: `${base}/cli-orders`,
      kind: 'sqs',
      waiting: 25,
      inFlight: 5,
      deadLetters: 2,
      details: { delayed: 0, deadLetterQueue: 'cli-orders-dlq', maxReceiveCount: 3 },
    });
    // By name only: the URL is looked up.
    const byName = await cli(['stats', `sqs://127.0.0.1:${server.port}/cli-orders`]);
    expect(byName.stdout).toContain('(SQS queue)');
    expect(byName.stdout).toMatch(/waiting\s+25\n/);
    expect(byName.stdout).toMatch(/dead letter queue\s+cli-orders-dlq/);
  });

  it('sends to a FIFO queue in order, in the group of ?group=, each line once', async () => {
    const queueUrl = await createQueue('cli-fifo.fifo', { FifoQueue: 'true' });
    const values = Array.from({ length: 25 }, (_, n) => ({ step: n }));
    const sent = await cli(['send', `${base}/cli-fifo.fifo?group=steps`], { input: jsonLines(values) });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const received: Array<{ step: number; group: string | undefined }> = [];
    while (received.length < values.length) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'] }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        received.push({ ...(JSON.parse(message.Body ?? '{}') as { step: number }), group: message.Attributes?.MessageGroupId });
        await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
    expect(received.map((message) => message.step)).toEqual(values.map((value) => value.step));
    expect(new Set(received.map((message) => message.group))).toEqual(new Set(['steps']));
  });

  it('exit 4 for a queue that does not exist', async () => {
    const result = await cli(['stats', `${base}/no-such-queue`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(`conveyor: SQS queue no-such-queue does not exist at http://127.0.0.1:${server.port}\n`);
  });
});
