import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

type Server = Awaited<ReturnType<typeof startFauxqs>>;
let server: Server;
let client: SQSClient;
beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  client = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  client.destroy();
  await server.stop();
});

async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe.each(['class', 'builtin'])('examples/sqs-consumer (SOURCE=%s)', (sourceKind) => {
  it('consumes every order on the pool threads and stops cleanly on SIGTERM', async () => {
    const { QueueUrl: queueUrl = '' } = await client.send(new CreateQueueCommand({ QueueName: `orders-${sourceKind}-${Date.now()}` }));
    const orders = 60;
    for (let start = 0; start < orders; start += 10) {
      const entries = Array.from({ length: 10 }, (_, offset) => ({
        Id: String(offset),
        MessageBody: JSON.stringify({ id: start + offset, weight: 2 }),
      }));
      await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
    const child = spawn(process.execPath, [fileURLToPath(new URL('./main.ts', import.meta.url))], {
      env: { ...process.env, SQS_ENDPOINT: server.address, QUEUE_URL: queueUrl, SOURCE: sourceKind },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 40_000;
      while ((await depth(queueUrl)) > 0 || !output.includes('consuming')) {
        if (Date.now() > deadline) throw new Error(`the queue was not drained; output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    }
    expect(output).toContain(`stopped cleanly: consumed ${orders} failed 0`);
  });
});
