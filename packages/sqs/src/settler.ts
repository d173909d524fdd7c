import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isPoison, isUncharged } from '@conveyor/core/kit';
import type { DeadLetters } from './dead-letters.js';
import { SqsBatchEntryError } from './errors/sqs-batch-entry-error.js';
import type { SqsBatchEntryFailure } from './errors/sqs-batch-entry-error.js';
import type { SqsOperation } from './errors/sqs-error.js';
import { SqsFifoGroupError } from './errors/sqs-fifo-group-error.js';
import type { FifoOrder } from './fifo-order.js';
import type { FailedLease, Lease } from './lease.js';
import type { LeaseBook } from './lease-book.js';
import type { QueueLookup } from './queue-lookup.js';
import { retryDelaySeconds } from './retry-delay.js';
import type { BatchOutcome } from './send-in-batches.js';
import { sendInBatches } from './send-in-batches.js';
import type { ResolvedSqsSourceOptions } from './sqs-source-options.js';

// SQS answers these for a receipt handle whose message is visible again or gone: nothing left to release.
const goneCodes = /MessageNotInflight|ReceiptHandleIsInvalid/;

/** What the settler works with; the source owns each of them. */
export interface SettlerParts {
  readonly client: SQSClient;
  readonly options: ResolvedSqsSourceOptions;
  readonly queue: QueueLookup;
  readonly leases: LeaseBook;
  /** FIFO queues only. */
  readonly order: FifoOrder<Lease> | undefined;
  readonly deadLetters: DeadLetters;
}

/**
 * Settles deliveries with SQS's batch calls: deletes consumed messages
 * (`DeleteMessageBatch`), makes failed ones visible again
 * (`ChangeMessageVisibilityBatch`) after the retry delay, or at once when the
 * handler never received them, and moves those past the receive limit to the
 * dead letters. Keeps FIFO group order. Rejects with
 * what the caller must know: `SqsError` for a failed call, `SqsBatchEntryError`
 * for refused entries.
 */
export class Settler {
  readonly #parts: SettlerParts;

  constructor(parts: SettlerParts) {
    this.#parts = parts;
  }

  /** `cleanup()`: deletes consumed messages (FIFO: once every earlier one of their group is deleted). */
  async consumed(receipts: readonly string[]): Promise<void> {
    const remove: Lease[] = [];
    const release: FailedLease[] = [];
    for (const receipt of receipts) {
      const lease = this.#parts.leases.settleable(receipt);
      if (lease === undefined) continue;
      if (this.#parts.order === undefined || lease.groupId === undefined) {
        remove.push(lease);
        continue;
      }
      const decision = this.#parts.order.consumed(lease);
      remove.push(...decision.remove);
      release.push(...decision.release);
      for (const waiting of decision.waiting) waiting.state = 'waiting';
    }
    await allOrFirstError([this.#delete(remove), this.release(release)]);
  }

  /**
   * The consumer gave up settling these: their leases leave the book (no more
   * heartbeats; SQS delivers them again once their visibility lapses). Messages
   * of FIFO groups keep their place in their group's order until then.
   */
  forgotten(receipts: readonly string[]): void {
    for (const receipt of receipts) {
      const lease = this.#parts.leases.settleable(receipt);
      if (lease !== undefined && (this.#parts.order === undefined || lease.groupId === undefined)) this.#parts.leases.forget(lease);
    }
  }

  /** `release()`: failed messages back to the queue (FIFO: with the later ones of their group). */
  async failed(receipts: readonly string[], error: unknown): Promise<void> {
    const remove: Lease[] = [];
    const release: FailedLease[] = [];
    for (const receipt of receipts) {
      const lease = this.#parts.leases.settleable(receipt);
      if (lease === undefined) continue;
      if (this.#parts.order === undefined || lease.groupId === undefined) {
        release.push({ lease, error });
        continue;
      }
      const decision = this.#parts.order.failed(lease, error);
      remove.push(...decision.remove);
      release.push(...decision.release);
    }
    await allOrFirstError([this.#delete(remove), this.release(release)]);
  }

  /**
   * Failed messages back to the queue: at once when the handler never received
   * them (and never to the dead letters then: SQS counted the receive, but the
   * handler did not fail it), else after the retry delay, or to the dead letters
   * once received `deadLetter.maxReceiveCount` times, or at once when no retry
   * can cure them (`isPoison`). Without `deadLetter`, poison goes back after the
   * retry delay like any failure (a queue's redrive policy moves it in the end).
   */
  async release(items: readonly FailedLease[]): Promise<void> {
    if (items.length === 0) return;
    const limit = (await this.#parts.queue.resolve()).deadLetter?.maxReceiveCount;
    const visible: Array<{ lease: Lease; seconds: number }> = [];
    const dead: FailedLease[] = [];
    for (const item of items) {
      const { lease, error } = item;
      // Copied to the dead letters by an earlier call whose delete failed: only the delete is left.
      if (lease.deadLettered) dead.push(item);
      else if (neverHandled(error)) visible.push({ lease, seconds: 0 });
      else if (limit !== undefined && (lease.receiveCount >= limit || isPoison(error))) dead.push(item);
      else visible.push({ lease, seconds: this.#retryDelay(lease) });
    }
    await allOrFirstError([this.#makeVisible(visible), this.deadLetter(dead)]);
  }

  /** Moves messages to the dead-letter queue, then deletes them; those that could not be sent are released instead. */
  async deadLetter(items: readonly FailedLease[]): Promise<void> {
    if (items.length === 0) return;
    const target = (await this.#parts.queue.resolve()).deadLetter;
    const release = (leases: readonly Lease[]) => this.#makeVisible(leases.map((lease) => ({ lease, seconds: this.#retryDelay(lease) })));
    if (target === undefined) return release(items.map((item) => item.lease));
    const { sent, notSent } = await this.#parts.deadLetters.send(items, target);
    // Not sent: released as usual, so the message is not lost; a later receive moves it.
    await allOrFirstError([this.#delete(sent), release(notSent)]);
  }

  async #delete(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    const { client, options } = this.#parts;
    const url = (await this.#parts.queue.resolve()).url;
    for (const lease of leases) lease.state = 'settling';
    const outcome = await sendInBatches(leases, {
      operation: 'DeleteMessageBatch',
      toEntry: (lease, id) => ({ Id: id, ReceiptHandle: lease.receipt }),
      messageIdOf: (lease) => lease.id,
      call: (entries) => client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries })),
      attempts: options.entryAttempts,
      clock: options.clock,
    });
    this.#account(outcome, 'DeleteMessageBatch');
  }

  async #makeVisible(items: ReadonlyArray<{ readonly lease: Lease; readonly seconds: number }>): Promise<void> {
    if (items.length === 0) return;
    const { client, options } = this.#parts;
    const url = (await this.#parts.queue.resolve()).url;
    for (const { lease } of items) lease.state = 'settling';
    const outcome = await sendInBatches(items, {
      operation: 'ChangeMessageVisibilityBatch',
      toEntry: ({ lease, seconds }, id) => ({ Id: id, ReceiptHandle: lease.receipt, VisibilityTimeout: seconds }),
      messageIdOf: ({ lease }) => lease.id,
      call: (entries) => client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })),
      attempts: options.entryAttempts,
      clock: options.clock,
    });
    this.#account(
      {
        succeeded: outcome.succeeded.map(({ lease }) => lease),
        failed: outcome.failed.map(({ item, failure }) => ({ item: item.lease, failure })),
        unsent: outcome.unsent.map(({ item, error }) => ({ item: item.lease, error })),
      },
      'ChangeMessageVisibilityBatch',
    );
  }

  /** Books the outcome of a settle call on the leases; throws what the caller must know. */
  #account(outcome: BatchOutcome<Lease>, operation: SqsOperation): void {
    const leases = this.#parts.leases;
    for (const lease of outcome.succeeded) leases.forget(lease);
    const reported: SqsBatchEntryFailure[] = [];
    for (const { item: lease, failure } of outcome.failed) {
      if (operation === 'ChangeMessageVisibilityBatch' && goneCodes.test(failure.awsCode)) {
        leases.forget(lease); // already visible again, or gone: nothing to release
        continue;
      }
      // A refused entry fails the same way on a later call: forget it, SQS delivers it again.
      if (failure.senderFault) leases.forget(lease);
      else lease.state = 'unsettled';
      reported.push(failure);
    }
    for (const { item } of outcome.unsent) item.state = 'unsettled';
    const unsent = outcome.unsent[0];
    if (unsent !== undefined) throw unsent.error;
    if (reported.length > 0) throw new SqsBatchEntryError(operation, reported);
  }

  #retryDelay(lease: Lease): number {
    return retryDelaySeconds(lease.receiveCount, this.#parts.options.retryDelaySeconds);
  }
}

/**
 * Released without reaching the handler (`isUncharged`), or a later message of a
 * FIFO group released because such a message was: back at once, never dead-lettered.
 */
function neverHandled(error: unknown): boolean {
  return isUncharged(error) || (error instanceof SqsFifoGroupError && isUncharged(error.cause));
}

/** Waits for every settle call, then rejects with the first failure, so one failure never abandons the others. */
async function allOrFirstError(work: ReadonlyArray<Promise<void>>): Promise<void> {
  for (const result of await Promise.allSettled(work)) if (result.status === 'rejected') throw result.reason;
}
