import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { backoffDelay, sleep, systemClock } from '@conveyor/core/kit';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import { toSqsError } from './errors/error-mapping.js';
import type { SqsBatchEntryFailure } from './errors/sqs-batch-entry-error.js';
import type { SqsError, SqsOperation } from './errors/sqs-error.js';

/** SQS takes at most 10 entries per batch call. */
export const maxBatchEntries = 10;

/** SQS takes at most this many bytes of messages (bodies and attributes) in one `SendMessageBatch` (256 KiB). */
export const maxBatchBytes = 262_144;

/** The wait before a refused entry is sent again: a retry of a failing call, so with jitter. */
export const entryRetryBackoff: BackoffPolicy = Object.freeze({ baseMs: 50, capMs: 2_000, jitter: 'equal' });

/** One entry a batch call reports as done (`SendMessageBatch` adds the new message's `MessageId`). */
export interface BatchSuccess {
  readonly Id?: string | undefined;
  readonly MessageId?: string | undefined;
}

/** What a batch call answers: the ids that worked and those that did not. */
export interface BatchResponse {
  readonly Successful?: readonly BatchSuccess[] | undefined;
  readonly Failed?: readonly BatchResultErrorEntry[] | undefined;
}

/** Sends one batch call with these entries (each entry has its `Id`). */
export type BatchCall<E> = (entries: E[]) => Promise<BatchResponse>;

/**
 * How the items of a batched operation ended. With `stopAfterFailure`, the items
 * of calls never made are in none of the lists.
 */
export interface BatchOutcome<I> {
  readonly succeeded: I[];
  /** Entries SQS refused inside a successful call, after the retries. */
  readonly failed: Array<{ readonly item: I; readonly failure: SqsBatchEntryFailure }>;
  /** Items whose call itself failed (network, throttling...): the caller may retry them as a whole. */
  readonly unsent: Array<{ readonly item: I; readonly error: SqsError }>;
}

export interface BatchOptions<I, E> {
  readonly operation: SqsOperation;
  /** Builds the request entry of an item; `id` is unique inside its call. */
  readonly toEntry: (item: I, id: string) => E;
  readonly messageIdOf: (item: I) => string;
  readonly call: BatchCall<E>;
  /** Calls per chunk: an entry that failed without sender fault is sent again until this many calls were made. */
  readonly attempts: number;
  /** The wait before failed entries are sent again. @default entryRetryBackoff */
  readonly retryBackoff?: BackoffPolicy;
  /** Where the retries wait. @default systemClock */
  readonly clock?: Clock;
  /** Calls in flight at once. @default Infinity */
  readonly maxConcurrentCalls?: number;
  /** Also cut chunks so that the `sizeOf` their items stays within `maxBytes` (an item bigger than that goes alone). */
  readonly chunkBytes?: { readonly sizeOf: (item: I) => number; readonly maxBytes: number };
  /** A call that throws a transient error (network, throttling, server) is made again, within `attempts`. @default false */
  readonly retryFailedCalls?: boolean;
  /** Once a chunk ended with failures, make no further calls (chunks go in order with `maxConcurrentCalls: 1`). @default false */
  readonly stopAfterFailure?: boolean;
  /** Told of each item SQS did, with what SQS answered for it. */
  readonly onSucceeded?: (item: I, success: BatchSuccess) => void;
}

/**
 * Runs a batch operation over any number of items: chunks of 10 (fewer when
 * `chunkBytes` says so) sent concurrently, up to `maxConcurrentCalls` at once,
 * in order; entries that failed inside a successful call are retried when the
 * failure is not the sender's fault, then reported in `failed`. A call that
 * throws reports its items in `unsent` (after retries with `retryFailedCalls`).
 * Never throws.
 */
export async function sendInBatches<I, E>(items: readonly I[], options: BatchOptions<I, E>): Promise<BatchOutcome<I>> {
  const outcome: BatchOutcome<I> = { succeeded: [], failed: [], unsent: [] };
  if (items.length === 0) return outcome;
  const chunks = chunksOf(items, options.chunkBytes);
  let next = 0;
  let failedChunks = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length && !(options.stopAfterFailure === true && failedChunks > 0)) {
      const chunk = chunks[next++] as I[];
      const before = outcome.failed.length + outcome.unsent.length;
      await sendChunk(chunk, options, outcome);
      if (outcome.failed.length + outcome.unsent.length > before) failedChunks++;
    }
  };
  const workers = Math.min(chunks.length, options.maxConcurrentCalls ?? Number.POSITIVE_INFINITY);
  await Promise.all(Array.from({ length: workers }, worker));
  return outcome;
}

/** Chunks of at most 10 items, and of at most `maxBytes` when sizes are given. */
function chunksOf<I>(items: readonly I[], bytes: BatchOptions<I, unknown>['chunkBytes']): I[][] {
  const chunks: I[][] = [];
  let chunk: I[] = [];
  let chunkSize = 0;
  for (const item of items) {
    const size = bytes?.sizeOf(item) ?? 0;
    if (chunk.length === maxBatchEntries || (bytes !== undefined && chunk.length > 0 && chunkSize + size > bytes.maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      chunkSize = 0;
    }
    chunk.push(item);
    chunkSize += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

async function sendChunk<I, E>(chunk: I[], options: BatchOptions<I, E>, outcome: BatchOutcome<I>): Promise<void> {
  let pending = chunk;
  const retryBackoff = options.retryBackoff ?? entryRetryBackoff;
  for (let attempt = 1; pending.length > 0; attempt++) {
    let response: BatchResponse;
    try {
      response = await options.call(pending.map((item, index) => options.toEntry(item, String(index))));
    } catch (error) {
      const mapped = toSqsError(error, options.operation);
      if (options.retryFailedCalls === true && mapped.retryable && attempt < options.attempts) {
        await sleep(backoffDelay(attempt, retryBackoff), undefined, options.clock ?? systemClock);
        continue;
      }
      for (const item of pending) outcome.unsent.push({ item, error: mapped });
      return;
    }
    const byId = new Map<string, BatchResultErrorEntry>();
    for (const failure of response.Failed ?? []) if (failure.Id !== undefined) byId.set(failure.Id, failure);
    const succeeded = new Map<string, BatchSuccess>();
    for (const success of response.Successful ?? []) if (success.Id !== undefined) succeeded.set(success.Id, success);
    const retry: I[] = [];
    const lastAttempt = attempt >= options.attempts;
    pending.forEach((item, index) => {
      const id = String(index);
      const success = succeeded.get(id);
      if (success !== undefined && !byId.has(id)) {
        outcome.succeeded.push(item);
        options.onSucceeded?.(item, success);
        return;
      }
      // An entry missing from both lists is treated as a failure that is worth retrying.
      const entry = byId.get(id);
      const failure: SqsBatchEntryFailure = {
        messageId: options.messageIdOf(item),
        awsCode: entry?.Code ?? 'MissingFromResponse',
        senderFault: entry?.SenderFault === true,
        message: entry?.Message ?? (entry === undefined ? 'SQS answered neither success nor failure for this entry' : ''),
      };
      if (!failure.senderFault && !lastAttempt) retry.push(item);
      else outcome.failed.push({ item, failure });
    });
    pending = retry;
    if (pending.length > 0) await sleep(backoffDelay(attempt, retryBackoff), undefined, options.clock ?? systemClock);
  }
}
