import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { CliError } from '../cli-error.js';
import { openSqsQueue, sqsFailure } from '../sqs-connection.js';
import type { SqsLocation } from '../source-url.js';
import type { JsonLine } from './json-line.js';
import type { Sender } from './sender.js';

// SQS takes 10 entries per SendMessageBatch; 10 calls at once keep a remote queue busy.
const entriesPerCall = 10;
const callsAtOnce = 10;

/** Sends each line as one SQS message body (FIFO queues: group `?group=`, a random deduplication id). */
export async function openSqsSender(location: SqsLocation): Promise<Sender> {
  const { client, queueUrl } = await openSqsQueue(location);
  const fifo = location.queueName.endsWith('.fifo');
  const entry = (line: JsonLine, index: number): SendMessageBatchRequestEntry => ({
    Id: String(index),
    MessageBody: line.text,
    ...(fifo ? { MessageGroupId: location.groupId, MessageDeduplicationId: randomUUID() } : {}),
  });
  const sendCall = async (lines: readonly JsonLine[]): Promise<void> => {
    let result;
    try {
      result = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: lines.map(entry) }));
    } catch (error) {
      throw sqsFailure(error, location, location.queueName);
    }
    const failed = result.Failed?.[0];
    if (failed !== undefined) {
      const line = lines[Number(failed.Id)]?.lineNumber;
      throw new CliError(
        'CLI_UNREACHABLE',
        `SQS refused the message of stdin line ${line ?? '?'}: ${failed.Code ?? 'error'} ${failed.Message ?? ''}`.trim(),
      );
    }
  };
  return {
    batchSize: entriesPerCall * callsAtOnce,
    async send(lines) {
      // FIFO: one call at a time keeps the lines in order within the group.
      if (fifo) {
        for (let start = 0; start < lines.length; start += entriesPerCall) await sendCall(lines.slice(start, start + entriesPerCall));
        return;
      }
      const calls: Promise<void>[] = [];
      for (let start = 0; start < lines.length; start += entriesPerCall) calls.push(sendCall(lines.slice(start, start + entriesPerCall)));
      await Promise.all(calls);
    },
    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}
