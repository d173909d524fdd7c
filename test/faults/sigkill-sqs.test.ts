import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SqsSender } from '@conveyor/sqs';
import { startSqsServer, uniqueName } from '@conveyor/conformance';
import type { SqsTestServer } from '@conveyor/conformance';
import { sigkillRun } from './sigkill-run.js';

let server: SqsTestServer;
beforeAll(async () => {
  server = await startSqsServer();
});
afterAll(async () => {
  await server.stop();
});

it('an SqsSource consumer on the emulator SIGKILLed at random points, restarted and drained: nothing lost, duplicates within what was in flight', async () => {
  const { QueueUrl: queueUrl = '' } = await server.client.send(new CreateQueueCommand({ QueueName: uniqueName('sigkill') }));
  const count = 2_000;
  try {
    const sender = new SqsSender<string>({ client: server.client, queueUrl });
    await sender.send(Array.from({ length: count }, (_, n) => String(n)));
    await sender.close();
    const outcome = await sigkillRun({
      name: 'SQS (fauxqs)',
      env: { SOURCE: 'sqs', SQS_CLIENT_CONFIG: JSON.stringify(server.clientConfig), QUEUE_URL: queueUrl },
      count,
      kills: 3,
      maxInFlight: 100,
      remaining: async () => {
        const { Attributes = {} } = await server.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      },
    });
    expect(outcome.lost).toEqual([]);
    expect(outcome.remaining).toBe(0);
    expect(outcome.duplicates).toBeLessThanOrEqual(outcome.allowedDuplicates);
  } finally {
    await server.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  }
});
