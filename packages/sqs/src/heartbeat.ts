import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, ClockTimer } from '@conveyor/core/kit';
import { toSqsError } from './errors/error-mapping.js';
import { SqsBatchEntryError } from './errors/sqs-batch-entry-error.js';
import type { Faults } from './faults.js';
import type { Lease } from './lease.js';
import type { LeaseBook } from './lease-book.js';
import type { QueueInfo } from './queue-lookup.js';
import { sendInBatches } from './send-in-batches.js';
import type { EmitSqsSourceEvent } from './sqs-source-events.js';
import type { ResolvedSqsSourceOptions } from './sqs-source-options.js';

/** What the heartbeat works with; the source owns each of them. */
export interface HeartbeatParts {
  readonly client: SQSClient;
  readonly options: ResolvedSqsSourceOptions;
  readonly info: QueueInfo;
  readonly leases: LeaseBook;
  readonly faults: Faults;
  readonly emit: EmitSqsSourceEvent;
}

/**
 * Renews the leases of delivered, unsettled messages: every `heartbeatInterval`
 * ms (on the source's clock) it extends the visibility of those due, so a long
 * handler keeps its messages, up to `maxExtensionSeconds` after their receipt.
 * It also forgets leases whose settle call failed once their visibility ran
 * out (SQS delivers them again). It runs while there are leases, one beat at a
 * time, and lives in this process: a crash lets the messages come back.
 */
export class Heartbeat {
  readonly #parts: HeartbeatParts;
  readonly #clock: Clock;
  /** Milliseconds between extensions; 0 when the heartbeat is off. */
  readonly #interval: number;
  /** Milliseconds between beats (with the heartbeat off, the sweep of expired leases still runs). */
  readonly #period: number;
  #timer: ClockTimer | undefined;
  #beating = false;
  /** `wake()` was called during a beat: beat again even if that one found nothing to watch. */
  #woken = false;
  #stopped = false;

  constructor(parts: HeartbeatParts) {
    this.#parts = parts;
    this.#clock = parts.options.clock;
    const visibilityMs = parts.info.visibilityTimeoutSeconds * 1000;
    this.#interval = intervalFor(parts.info.visibilityTimeoutSeconds, parts.options);
    this.#period = this.#interval > 0 ? this.#interval : Math.max(1000, visibilityMs);
  }

  /** Starts beating if it is not. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#beating) this.#woken = true;
    else if (this.#timer === undefined) this.#schedule(this.#period);
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.clear();
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    // Never the reason a process stays alive.
    this.#timer = this.#clock.setTimeout(() => void this.#run(), ms).unref();
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    const startedAt = this.#clock.now();
    this.#beating = true;
    this.#woken = false;
    let more = true;
    try {
      more = await this.#beat();
    } catch (error) {
      this.#parts.faults.report(toSqsError(error, 'ChangeMessageVisibilityBatch'), 'ChangeMessageVisibilityBatch');
    } finally {
      this.#beating = false;
    }
    // The next beat is one period after this one started, however long this one took.
    if ((more || this.#woken) && !this.#stopped) this.#schedule(Math.max(0, startedAt + this.#period - this.#clock.now()));
  }

  /** One beat: extends the visibility of unsettled messages due for it. Resolves whether any lease is left. */
  async #beat(): Promise<boolean> {
    const { info, leases, options } = this.#parts;
    const now = this.#clock.now();
    const visibilityMs = info.visibilityTimeoutSeconds * 1000;
    const due: Lease[] = [];
    for (const lease of leases.values()) {
      if (lease.state === 'unsettled' && now > lease.extendedAt + visibilityMs) {
        leases.forget(lease); // its visibility ran out: SQS delivers it again
        continue;
      }
      if (this.#interval === 0 || lease.extensionStopped) continue;
      if (lease.state !== 'handling' && lease.state !== 'waiting') continue;
      if (now - lease.extendedAt < this.#interval / 2) continue;
      if (now + visibilityMs - lease.receivedAt > options.maxExtensionSeconds * 1000) {
        lease.extensionStopped = true;
        continue;
      }
      due.push(lease);
    }
    if (due.length > 0) await this.#extend(due, now);
    return leases.size > 0;
  }

  async #extend(due: Lease[], now: number): Promise<void> {
    const { client, info, leases, options, faults } = this.#parts;
    const outcome = await sendInBatches(due, {
      operation: 'ChangeMessageVisibilityBatch',
      toEntry: (lease, id) => ({ Id: id, ReceiptHandle: lease.receipt, VisibilityTimeout: info.visibilityTimeoutSeconds }),
      messageIdOf: (lease) => lease.id,
      call: (entries) => client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: info.url, Entries: entries })),
      attempts: options.entryAttempts,
      clock: options.clock,
    });
    for (const lease of outcome.succeeded) lease.extendedAt = now;
    if (outcome.succeeded.length > 0) this.#parts.emit('extended', outcome.succeeded.length);
    // Settled while the extension was in flight: a refusal for those is expected, not a fault.
    const refused = outcome.failed.filter(({ item }) => leases.holds(item) && (item.state === 'handling' || item.state === 'waiting'));
    if (refused.length > 0) {
      // SQS refused: the message is visible again or was received elsewhere; extending further cannot help.
      for (const { item } of refused) item.extensionStopped = true;
      const failures = refused.map((entry) => entry.failure);
      faults.report(new SqsBatchEntryError('ChangeMessageVisibilityBatch', failures), 'ChangeMessageVisibilityBatch');
    }
    // A failed call is tried again on the next beat.
    const unsent = outcome.unsent[0];
    if (unsent !== undefined) faults.report(unsent.error, 'ChangeMessageVisibilityBatch');
  }
}

/** The heartbeat interval for this visibility timeout: the option, else a third of the timeout; 0 when off. */
function intervalFor(visibilityTimeoutSeconds: number, options: ResolvedSqsSourceOptions): number {
  const visibilityMs = visibilityTimeoutSeconds * 1000;
  if (visibilityMs === 0) return 0;
  const interval = options.heartbeatInterval ?? visibilityMs / 3;
  if (interval <= visibilityMs / 2) return interval;
  // The queue's own timeout is shorter than the interval was chosen for.
  options.logger.warn(
    { heartbeatInterval: interval, visibilityTimeoutSeconds },
    'heartbeatInterval is above half the visibility timeout; using a third of it',
  );
  return visibilityMs / 3;
}
