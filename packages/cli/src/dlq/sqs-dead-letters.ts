import { SqsDeadLetterQueue } from '@conveyor/sqs';
import { CliError } from '../cli-error.js';
import { openSqsQueue, sqsFailure } from '../sqs-connection.js';
import type { SqsLocation } from '../source-url.js';
import { attributesOf, deadLetterQueueOf } from '../stats/sqs-inspector.js';
import type { DeadLetterTool, DeadLetterView } from './dead-letter-tool.js';

/**
 * The dead-letter queue of an SQS queue (its redrive policy's, or `?dlq=`),
 * through `SqsDeadLetterQueue`: peeking receives and shows them again at once;
 * a redrive sends each back to the queue, then deletes it from the dead-letter
 * queue (a crash in between duplicates, never loses).
 */
export async function openSqsDeadLetters(location: SqsLocation): Promise<DeadLetterTool> {
  const { client, queueUrl } = await openSqsQueue(location);
  let dlq: { name: string; url: string | undefined } | undefined;
  try {
    dlq = await deadLetterQueueOf(client, queueUrl, location);
  } catch (error) {
    client.destroy();
    throw sqsFailure(error, location, location.queueName);
  }
  if (dlq?.url === undefined) {
    client.destroy();
    throw new CliError(
      'CLI_QUEUE_NOT_FOUND',
      dlq === undefined
        ? `SQS queue ${location.queueName} has no dead-letter queue: it has no redrive policy; name the one SqsSource's deadLetter option uses with ?dlq=<queue>`
        : `The dead-letter queue ${dlq.name} of SQS queue ${location.queueName} does not exist at ${location.endpoint}`,
    );
  }
  const deadLetterQueueUrl = dlq.url;
  const deadLetterQueueName = dlq.name;
  const dead = new SqsDeadLetterQueue({ client, deadLetterQueueUrl, queueUrl });
  const guard = async <T>(call: () => Promise<T>, queue: string): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw sqsFailure(error, location, queue);
    }
  };
  return {
    where: deadLetterQueueName,
    count: () =>
      guard(
        async () =>
          Number((await attributesOf(client, deadLetterQueueUrl, ['ApproximateNumberOfMessages'])).ApproximateNumberOfMessages ?? 0),
        deadLetterQueueName,
      ),
    list: (limit) =>
      guard(async () => {
        const now = Date.now();
        return (await dead.peek(limit)).map((letter): DeadLetterView => ({
          id: letter.id,
          body: letter.body,
          receiveCount: letter.receiveCount,
          ageMs: letter.sentAt === undefined ? undefined : Math.max(0, now - letter.sentAt),
          lastError: letter.lastError,
        }));
      }, deadLetterQueueName),
    redrive: (limit) => guard(() => dead.redrive(limit === undefined ? {} : { limit }), location.queueName),
    close: () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}
