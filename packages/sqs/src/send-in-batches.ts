import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { backoffDelay, sleep, systemClock } from '@conveyor/core/kit';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import { toSqsError } from './errors/error-mapping.js';
import type { SqsBatchEntryFailure } from './errors/sqs-batch-entry-error.js';
import type { SqsError, SqsOperation } from './errors/sqs-error.js';

/** SQS takes at most 10 entries per batch call. */
export const maxBatchEntries = 10;

/** The wait before a refused entry is sent again: a retry of a failing call, so with jitter. */
export const entryRetryBackoff: BackoffPolicy = Object.freeze({ baseMs: 50, capMs: 2_000, jitter: 'equal' });

/** What a batch call answers: the ids that worked and those that did not. */
export interface BatchResponse {
  readonly Successful?: ReadonlyArray<{ readonly Id?: string | undefined }> | undefined;
  readonly Failed?: readonly BatchResultErrorEntry[] | undefined;
}

/** Sends one batch call with these entries (each entry has its `Id`). */
export type BatchCall<E> = (entries: E[]) => Promise<BatchResponse>;

/** How the items of a batched operation ended. */
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
}

/**
 * Runs a batch operation over any number of items: chunks of 10 sent
 * concurrently; entries that failed inside a successful call are retried when
 * the failure is not the sender's fault, then reported in `failed`. A call that
 * throws reports its items in `unsent`. Never throws.
 */
export async function sendInBatches<I, E>(items: readonly I[], options: BatchOptions<I, E>): Promise<BatchOutcome<I>> {
  const outcome: BatchOutcome<I> = { succeeded: [], failed: [], unsent: [] };
  if (items.length === 0) return outcome;
  const chunks: I[][] = [];
  for (let start = 0; start < items.length; start += maxBatchEntries) chunks.push(items.slice(start, start + maxBatchEntries));
  await Promise.all(chunks.map((chunk) => sendChunk(chunk, options, outcome)));
  return outcome;
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
      for (const item of pending) outcome.unsent.push({ item, error: mapped });
      return;
    }
    const byId = new Map<string, BatchResultErrorEntry>();
    for (const failure of response.Failed ?? []) if (failure.Id !== undefined) byId.set(failure.Id, failure);
    const succeeded = new Set<string>();
    for (const success of response.Successful ?? []) if (success.Id !== undefined) succeeded.add(success.Id);
    const retry: I[] = [];
    const lastAttempt = attempt >= options.attempts;
    pending.forEach((item, index) => {
      const id = String(index);
      if (succeeded.has(id) && !byId.has(id)) {
        outcome.succeeded.push(item);
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
