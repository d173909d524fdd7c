import { describe, expect, it } from 'vitest';
import { sendInBatches } from '../src/send-in-batches.js';
import type { BatchResponse } from '../src/send-in-batches.js';
import { toSqsError } from '../src/errors/error-mapping.js';
import { SqsError } from '../src/index.js';

// The response handling of batch calls, on answers SQS documents but fauxqs does not
// produce (it fails a whole DeleteMessageBatch call instead of one entry).
describe('sendInBatches: the handling of batch responses', () => {
  const items = Array.from({ length: 23 }, (_, index) => `m${index}`);
  const base = {
    operation: 'DeleteMessageBatch' as const,
    toEntry: (item: string, id: string) => ({ Id: id, item }),
    messageIdOf: (item: string) => item,
    attempts: 3,
    retryBackoff: { baseMs: 1, capMs: 4 },
  };

  it('sends chunks of at most 10 entries, concurrently', async () => {
    const calls: string[][] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const outcome = await sendInBatches(items, {
      ...base,
      call: async (entries) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        calls.push(entries.map((entry) => entry.item));
        await new Promise((resolve) => setTimeout(resolve, 5));
        concurrent--;
        return { Successful: entries.map((entry) => ({ Id: entry.Id })) };
      },
    });
    expect(calls.map((call) => call.length)).toEqual([10, 10, 3]);
    expect(maxConcurrent).toBe(3);
    expect(outcome.succeeded.sort()).toEqual([...items].sort());
    expect(outcome.failed).toEqual([]);
  });

  it('retries entries that failed without sender fault, then reports the ones that still fail', async () => {
    const attemptsOf = new Map<string, number>();
    const outcome = await sendInBatches(items, {
      ...base,
      call: async (entries): Promise<BatchResponse> => {
        const response = {
          Successful: [] as { Id: string }[],
          Failed: [] as { Id: string; Code: string; SenderFault: boolean; Message: string }[],
        };
        for (const entry of entries) {
          const attempt = (attemptsOf.get(entry.item) ?? 0) + 1;
          attemptsOf.set(entry.item, attempt);
          if (entry.item === 'm3' && attempt === 1)
            response.Failed.push({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'try again' });
          else if (entry.item === 'm12')
            response.Failed.push({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'still down' });
          else if (entry.item === 'm20')
            response.Failed.push({ Id: entry.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'bad handle' });
          else response.Successful.push({ Id: entry.Id });
        }
        return response;
      },
    });
    expect(attemptsOf.get('m3')).toBe(2); // failed once, succeeded on the retry
    expect(attemptsOf.get('m12')).toBe(3); // retried until the attempts ran out
    expect(attemptsOf.get('m20')).toBe(1); // the sender's fault: not retried
    expect(attemptsOf.get('m0')).toBe(1); // successes are never sent again
    expect(outcome.succeeded).toHaveLength(21);
    expect(outcome.succeeded).toContain('m3');
    expect(outcome.failed.map(({ item, failure }) => [item, failure.awsCode, failure.senderFault])).toEqual(
      expect.arrayContaining([
        ['m12', 'InternalError', false],
        ['m20', 'ReceiptHandleIsInvalid', true],
      ]),
    );
    expect(outcome.failed).toHaveLength(2);
  });

  it('treats an entry missing from the answer as failed and retries it', async () => {
    let first = true;
    const outcome = await sendInBatches(['a', 'b'], {
      ...base,
      call: async (entries) => {
        const answered = first ? entries.slice(0, 1) : entries;
        first = false;
        return { Successful: answered.map((entry) => ({ Id: entry.Id })) };
      },
    });
    expect(outcome.succeeded.sort()).toEqual(['a', 'b']);
  });

  it('reports the items of a call that threw as unsent, with a typed error', async () => {
    const outcome = await sendInBatches(items, {
      ...base,
      call: async (entries) => {
        if (entries.some((entry) => entry.item === 'm15'))
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
        return { Successful: entries.map((entry) => ({ Id: entry.Id })) };
      },
    });
    expect(outcome.succeeded).toHaveLength(13);
    expect(outcome.unsent.map((entry) => entry.item)).toEqual(items.slice(10, 20));
    const error = outcome.unsent[0]?.error;
    expect(error).toBeInstanceOf(SqsError);
    expect(error?.code).toBe('SQS_NETWORK');
    expect(error?.retryable).toBe(true);
  });
});

describe('toSqsError', () => {
  const aws = (name: string, status: number, fault: 'client' | 'server') =>
    Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

  it('maps AWS errors and network errors to codes', () => {
    expect(toSqsError(aws('QueueDoesNotExist', 400, 'client'), 'ReceiveMessage').code).toBe('SQS_QUEUE_NOT_FOUND');
    expect(toSqsError(aws('AccessDenied', 403, 'client'), 'ReceiveMessage').code).toBe('SQS_ACCESS_DENIED');
    expect(toSqsError(aws('RequestThrottled', 400, 'client'), 'ReceiveMessage').code).toBe('SQS_THROTTLED');
    expect(toSqsError(aws('InternalError', 500, 'server'), 'ReceiveMessage').code).toBe('SQS_SERVER');
    expect(toSqsError(aws('InvalidParameterValue', 400, 'client'), 'ReceiveMessage').code).toBe('SQS_REQUEST');
    expect(toSqsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'ReceiveMessage').code).toBe('SQS_NETWORK');
    expect(toSqsError(new TypeError('Region is missing'), 'ReceiveMessage').code).toBe('SQS_REQUEST');
  });

  it('keeps the operation, the AWS code and the cause', () => {
    const cause = aws('QueueDoesNotExist', 400, 'client');
    const error = toSqsError(cause, 'GetQueueUrl');
    expect(error).toMatchObject({ operation: 'GetQueueUrl', awsCode: 'QueueDoesNotExist', statusCode: 400, retryable: false, cause });
    expect(error.message).toContain('GetQueueUrl failed');
  });
});
