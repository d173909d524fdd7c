import { randomUUID } from 'node:crypto';
import { SqsError, SqsSendError, SqsSender } from '@conveyor/sqs';
import { CliError } from '../cli-error.js';
import { openSqsQueue, sqsFailure } from '../sqs-connection.js';
import type { SqsLocation } from '../source-url.js';
import type { JsonLine } from './json-line.js';
import type { Sender } from './sender.js';

// SqsSender sends 10 entries a SendMessageBatch and, on a standard queue, 10 calls at once:
// 100 lines a send() keep a remote queue busy. On a FIFO queue it makes one call at a time.
const linesPerSend = 100;

/**
 * Sends each line as one SQS message body through `SqsSender` (FIFO queues: group
 * `?group=`, a random deduplication id per line, kept if the line is sent again).
 */
export async function openSqsSender(location: SqsLocation): Promise<Sender> {
  const { client, queueUrl } = await openSqsQueue(location);
  const fifo = location.queueName.endsWith('.fifo');
  const sender = new SqsSender({
    client,
    queueUrl,
    ...(fifo ? { groupId: location.groupId, deduplicationId: () => randomUUID() } : {}),
  });
  return {
    batchSize: linesPerSend,
    async send(lines) {
      try {
        await sender.send(lines.map((line) => line.text));
      } catch (error) {
        throw describeSendFailure(error, lines, location);
      }
    },
    async close() {
      await sender.close();
      client.destroy();
    },
  };
}

/** One line saying what went wrong: the call that failed (as for any SQS command), or the first line SQS refused. */
function describeSendFailure(error: unknown, lines: readonly JsonLine[], location: SqsLocation): CliError {
  if (!(error instanceof SqsSendError)) return sqsFailure(error, location, location.queueName);
  // A call failed (network, no such queue, credentials): say it as the other commands do, from the AWS error.
  if (error.cause instanceof SqsError) return sqsFailure(error.cause.cause ?? error.cause, location, location.queueName);
  const failed = error.failures[0];
  const line = failed === undefined ? undefined : lines[failed.index]?.lineNumber;
  return new CliError(
    'CLI_UNREACHABLE',
    `SQS refused the message of stdin line ${line ?? '?'}: ${failed?.awsCode ?? 'error'} ${failed?.message ?? ''}`.trim(),
    { cause: error },
  );
}
