import { describe, expect, it } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import { SqsSendError, SqsSender } from '../src/index.js';
import type { SqsSenderOptions } from '../src/index.js';
import type { InjectedFailure } from './helpers.js';
import { clientRefusingSends, createQueue, deleteQueue, drain, queueDepth, uniqueName, until, useSqsEmulator } from './helpers.js';

const emulator = useSqsEmulator();
const { cleanups } = emulator;

const internal: InjectedFailure = { code: 'InternalError', senderFault: false };
const invalid: InjectedFailure = { code: 'InvalidParameterValue', senderFault: true };

/** A sender on a new queue whose client refuses the entries `refuse` picks; its retries wait on a ManualClock. */
async function refusing(
  refuse: (body: string, call: number) => InjectedFailure | undefined,
  options: Partial<SqsSenderOptions> = {},
  fifo = false,
): Promise<{ sender: SqsSender; url: string; calls: string[][]; clock: ManualClock }> {
  const url = await createQueue(
    emulator.server.client,
    fifo ? uniqueName('retry', '.fifo') : uniqueName('retry'),
    fifo ? { ContentBasedDeduplication: 'true' } : {},
  );
  const { client, calls } = clientRefusingSends(emulator.server, refuse);
  const clock = new ManualClock();
  const sender = new SqsSender({ client, queueUrl: url, clock, ...options });
  cleanups.push(async () => {
    client.destroy();
    await deleteQueue(emulator.server.client, url);
  });
  return { sender, url, calls, clock };
}

/** Lets the send run, advancing the clock over each backoff it waits; `waits` holds the calls made before each wait. */
async function settle<T>(
  send: Promise<T>,
  clock: ManualClock,
  calls: string[][],
): Promise<{ value?: T; error?: unknown; waits: number[] }> {
  let done = false;
  const result = send.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void result.finally(() => (done = true));
  const waits: number[] = [];
  while (!done) {
    await until(() => done || clock.pending > 0, 10_000, 'the send to end or wait before a retry');
    if (done) break;
    waits.push(calls.length); // the calls made when it began to wait: none goes out until the clock moves
    await clock.advance(10_000);
  }
  return { ...(await result), waits };
}

describe('SqsSender retries', () => {
  it('sends again only the entries SQS refused without blaming the sender, after a backoff on its clock', async () => {
    const { sender, url, calls, clock } = await refusing((body, call) =>
      call === 1 && (body === 'b' || body === 'd') ? internal : undefined,
    );
    const { value: ids, error, waits } = await settle(sender.send(['a', 'b', 'c', 'd', 'e']), clock, calls);
    expect(error).toBeUndefined();
    expect(calls).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['b', 'd'],
    ]);
    expect(waits).toEqual([1]); // one wait, after the first call, before the retry
    expect(new Set(ids).size).toBe(5);
    const received = await drain(emulator.server.client, url, 5);
    expect(received.map((message) => message.Body).sort()).toEqual(['a', 'b', 'c', 'd', 'e']); // each once
    expect(Object.fromEntries(received.map((message) => [message.Body, message.MessageId]))).toEqual({
      a: ids?.[0],
      b: ids?.[1],
      c: ids?.[2],
      d: ids?.[3],
      e: ids?.[4],
    });
  });

  it('never retries a sender fault: the send rejects with SqsSendError listing it, and the ids of what was sent', async () => {
    const { sender, url, calls, clock } = await refusing((body, call) =>
      body === 'bad' ? invalid : body === 'flaky' && call === 1 ? internal : undefined,
    );
    const { error } = await settle(sender.send(['ok', 'bad', 'flaky']), clock, calls);
    expect(calls).toEqual([['ok', 'bad', 'flaky'], ['flaky']]);
    expect(error).toBeInstanceOf(SqsSendError);
    const sendError = error as SqsSendError;
    expect(sendError.failures).toEqual([{ index: 1, awsCode: 'InvalidParameterValue', senderFault: true, message: 'injected' }]);
    expect(sendError.messageIds.map((id) => typeof id)).toEqual(['string', 'undefined', 'string']);
    expect(sendError.message).toContain('1 of 3 message(s) not sent (2 sent)');
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 2, inFlight: 0 });
  });

  it('gives up on an entry after entryAttempts calls and reports it', async () => {
    const { sender, calls, clock } = await refusing((body) => (body === 'never' ? internal : undefined), { entryAttempts: 3 });
    const { error } = await settle(sender.send(['never', 'fine']), clock, calls);
    expect(calls).toEqual([['never', 'fine'], ['never'], ['never']]);
    expect((error as SqsSendError).failures).toEqual([{ index: 0, awsCode: 'InternalError', senderFault: false, message: 'injected' }]);
  });

  it('makes a call again when it failed with a throttling error', async () => {
    const { sender, url, calls, clock } = await refusing(() => undefined);
    let throttled = 0;
    sender.client.middlewareStack.add(
      (next) => (args) => {
        if (throttled++ > 0) return next(args);
        const error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
        return Promise.reject(error);
      },
      { step: 'initialize', name: 'throttleOnce', priority: 'high' },
    );
    const { value: ids, waits } = await settle(sender.send(['x', 'y']), clock, calls);
    expect(ids).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 2, inFlight: 0 });
  });

  it('FIFO: after a call with a failure, the later messages are not sent, so none overtakes the failed one', async () => {
    const bodies = Array.from({ length: 15 }, (_, index) => `m${index}`);
    const { sender, url, calls, clock } = await refusing((body) => (body === 'm3' ? invalid : undefined), { groupId: 'one' }, true);
    const { error } = await settle(sender.send(bodies), clock, calls);
    expect(calls).toEqual([bodies.slice(0, 10)]);
    const failures = (error as SqsSendError).failures;
    expect(failures.map((failure) => [failure.index, failure.awsCode])).toEqual([
      [3, 'InvalidParameterValue'],
      ...[10, 11, 12, 13, 14].map((index) => [index, 'NotSent']),
    ]);
    expect((error as SqsSendError).messageIds.filter((id) => id !== undefined)).toHaveLength(9);
    expect(await queueDepth(emulator.server.client, url)).toEqual({ visible: 9, inFlight: 0 });
  });
});
