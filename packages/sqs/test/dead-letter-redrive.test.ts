import { describe, expect, it } from 'vitest';
import { DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { SqsDeadLetterQueue } from '../src/index.js';
import { createQueue, deleteQueue, queueDepth, receiveRaw, sendBodies, uniqueName, useSqsEmulator } from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

async function queues(): Promise<{ url: string; dlqUrl: string }> {
  const dlqUrl = await createQueue(emulator.server.client, uniqueName('redrive-dlq'));
  const url = await createQueue(emulator.server.client, uniqueName('redrive-main'));
  cleanups.push(async () => {
    await deleteQueue(emulator.server.client, url);
    await deleteQueue(emulator.server.client, dlqUrl);
  });
  return { url, dlqUrl };
}

/** Receives (and deletes) every message of a queue. */
async function drain(url: string): Promise<{ body: string; attributes: Record<string, string | undefined> }[]> {
  const bodies: { body: string; attributes: Record<string, string | undefined> }[] = [];
  for (;;) {
    const batch = await receiveRaw(emulator.server.client, url, 1);
    if (batch.length === 0) return bodies;
    for (const message of batch)
      bodies.push({
        body: message.Body ?? '',
        attributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue])),
      });
    await emulator.server.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: batch.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
}

describe('SqsDeadLetterQueue: peek and redrive to the source queue', () => {
  it('peeks without removing, then redrives every dead letter exactly once, attributes kept, the reason dropped', async () => {
    const { url, dlqUrl } = await queues();
    const bodies = Array.from({ length: 25 }, (_, n) => JSON.stringify({ n }));
    await sendBodies(emulator.server.client, dlqUrl, bodies, (_body, index) => ({
      MessageAttributes: {
        tenant: { DataType: 'String', StringValue: `t${index % 3}` },
        ConveyorError: { DataType: 'String', StringValue: `Error: failed ${index}` },
      },
    }));
    const dead = new SqsDeadLetterQueue({ client: emulator.server.client, deadLetterQueueUrl: dlqUrl, queueUrl: url });

    const peeked = await dead.peek(5);
    expect(peeked).toHaveLength(5);
    for (const letter of peeked) {
      expect(letter.lastError).toMatch(/^Error: failed \d+$/);
      expect(letter.receiveCount).toBeGreaterThanOrEqual(1);
      expect(letter.sentAt).toBeGreaterThan(Date.now() - 60_000);
    }
    // Looked at, not taken: all 25 still there and visible.
    expect(await queueDepth(emulator.server.client, dlqUrl)).toEqual({ visible: 25, inFlight: 0 });

    expect(await dead.redrive({ limit: 7 })).toBe(7);
    expect(await dead.redrive()).toBe(18);
    expect(await queueDepth(emulator.server.client, dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
    const back = await drain(url);
    expect(back.map((message) => message.body).sort()).toEqual([...bodies].sort());
    for (const message of back) {
      expect(message.attributes.tenant).toMatch(/^t[012]$/);
      expect(message.attributes.ConveyorError).toBeUndefined();
    }
    expect(await dead.redrive()).toBe(0);
  });

  it('refuses to redrive a queue into itself, and bad limits', () => {
    expect(
      () => new SqsDeadLetterQueue({ client: emulator.server.client, deadLetterQueueUrl: 'http://x/q', queueUrl: 'http://x/q' }),
    ).toThrow(/another queue than the dead-letter queue/);
    const dead = new SqsDeadLetterQueue({ client: emulator.server.client, deadLetterQueueUrl: 'http://x/d', queueUrl: 'http://x/q' });
    return expect(dead.redrive({ limit: -1 })).rejects.toThrow(/Expected `limit` to be a non-negative integer/);
  });
});
