import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { CliError } from './cli-error.js';
import { networkErrorCode, oneLine } from './describe-error.js';
import type { SqsLocation } from './source-url.js';

/** A client pointed at a queue, its URL resolved. */
export interface SqsQueue {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

/**
 * Makes a client for the endpoint of an `sqs://` URL and resolves the queue's
 * URL. Credentials come from the usual AWS chain; a local SQS-compatible
 * server (fauxqs, ElasticMQ, LocalStack) accepts any, so one is made up for it
 * when the environment has none.
 */
export async function openSqsQueue(location: SqsLocation): Promise<SqsQueue> {
  const config: SQSClientConfig = {
    region: location.region,
    endpoint: location.endpoint,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 15_000 },
  };
  const hasCredentials = process.env.AWS_ACCESS_KEY_ID !== undefined || process.env.AWS_PROFILE !== undefined;
  if (location.local && !hasCredentials) config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = new SQSClient(config);
  try {
    const queueUrl = location.queueUrl ?? (await queueUrlOf(client, location.queueName));
    if (queueUrl === undefined)
      throw new CliError('CLI_QUEUE_NOT_FOUND', `SQS queue ${location.queueName} does not exist at ${location.endpoint}`);
    return { client, queueUrl };
  } catch (error) {
    client.destroy();
    throw sqsFailure(error, location, location.queueName);
  }
}

/** The URL of a queue by name, `undefined` when it does not exist. */
export async function queueUrlOf(client: SQSClient, queueName: string, ownerAccount?: string): Promise<string | undefined> {
  try {
    const { QueueUrl } = await client.send(
      new GetQueueUrlCommand({ QueueName: queueName, ...(ownerAccount === undefined ? {} : { QueueOwnerAWSAccountId: ownerAccount }) }),
    );
    return QueueUrl;
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw error;
  }
}

/** Turns an SDK error into a one-line `CliError`. */
export function sqsFailure(error: unknown, location: SqsLocation, queue: string): CliError {
  if (error instanceof CliError) return error;
  if (isQueueMissing(error))
    return new CliError('CLI_QUEUE_NOT_FOUND', `SQS queue ${queue} does not exist at ${location.endpoint}`, { cause: error });
  const network = networkErrorCode(error);
  if (network !== undefined)
    return new CliError('CLI_UNREACHABLE', `Cannot reach SQS at ${location.endpoint} (${network}); is the endpoint right?`, {
      cause: error,
    });
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'CredentialsProviderError') {
    return new CliError('CLI_UNREACHABLE', 'No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE', {
      cause: error,
    });
  }
  if (name === 'TimeoutError' || name === 'RequestTimeout')
    return new CliError('CLI_UNREACHABLE', `SQS at ${location.endpoint} did not answer in time`, { cause: error });
  return new CliError(
    'CLI_UNREACHABLE',
    `SQS at ${location.endpoint} refused the request${typeof name === 'string' ? ` (${name})` : ''}: ${oneLine(error)}`,
    { cause: error },
  );
}

function isQueueMissing(error: unknown): boolean {
  const { name, Code } = (error ?? {}) as { name?: unknown; Code?: unknown };
  return name === 'QueueDoesNotExist' || Code === 'AWS.SimpleQueueService.NonExistentQueue';
}
