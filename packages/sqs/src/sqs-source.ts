import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { ConveyorError } from '@conveyor/core';
import { sleep, TypedEmitter } from '@conveyor/core/kit';
import type { GetHint, Source, SourceDepth } from '@conveyor/core';
import type { BatchOutcome } from './batch.js';
import { sendInBatches } from './batch.js';
import { isAbortError, toSqsError } from './error-mapping.js';
import type { SqsBatchEntryFailure, SqsOperation } from './errors.js';
import { SqsBatchEntryError, SqsBodyParseError, SqsError, SqsFifoGroupError } from './errors.js';
import type { SqsSourceEvents, UndeliveredMessage } from './events.js';
import { FifoOrder } from './fifo-order.js';
import { Heartbeat } from './heartbeat.js';
import type { Lease } from './lease.js';
import type { SqsMessage } from './message.js';
import { toAwsAttributes, toSqsMessage } from './message.js';
import type { ResolvedSqsSourceOptions, SqsSourceOptions } from './options.js';
import { resolveSqsSourceOptions } from './options.js';

/** What the source learns about its queue on the first `get()`. */
interface QueueInfo {
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  /** 0 when the heartbeat is off. */
  readonly heartbeatInterval: number;
  readonly deadLetter: { readonly url: string; readonly fifo: boolean; readonly maxReceiveCount: number } | undefined;
}

interface Failed {
  readonly lease: Lease;
  readonly error: unknown;
}

const errorBackoffBaseMs = 100;
const maxReceivePerCall = 10;
const maxMessageAttributes = 10;
// SQS answers these for a receipt handle whose message is visible again or gone: nothing left to release.
const goneCodes = /MessageNotInflight|ReceiptHandleIsInvalid/;

/**
 * A Conveyor source over an Amazon SQS queue (or any SQS-compatible server).
 *
 * - `get()` long-polls (`waitTimeSeconds`), returns up to `maxMessages` (several
 *   receives at once above 10) and resolves `[]` soon after its signal aborts.
 * - `cleanup()` deletes consumed messages with `DeleteMessageBatch`, 10 at a time;
 *   entries SQS refuses are retried, then reported (`SqsBatchEntryError`).
 * - `release()` makes failed messages visible again after `retryDelaySeconds`
 *   (`ChangeMessageVisibilityBatch`), or moves them to `deadLetter` after too many receives.
 * - A heartbeat extends the visibility of delivered, unsettled messages, so a long
 *   handler keeps its messages; it lives in this process, so a crash lets them come back.
 * - FIFO queues (`.fifo`): a message is deleted only after every earlier message of
 *   its group in the same delivery; when one fails, the later ones are released too.
 * - Network, throttling and server errors back off inside `get()` (event `error`);
 *   errors that retrying cannot fix (no such queue, access denied) reject as `SqsError`.
 *
 * ```ts
 * const source = new SqsSource<Order>({ queueUrl, bodyFormat: 'json', clientConfig: { region: 'eu-west-1' } });
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 10 });
 * ```
 */
export class SqsSource<T = string> extends TypedEmitter<SqsSourceEvents> implements Source<SqsMessage<T>> {
  readonly #options: ResolvedSqsSourceOptions;
  readonly #client: SQSClient;
  readonly #ownsClient: boolean;
  /** Delivered messages not settled yet, by receipt handle. */
  readonly #leases = new Map<string, Lease>();
  readonly #order: FifoOrder<Lease> | undefined;
  readonly #closing = new AbortController();
  readonly #background = new Set<Promise<void>>();
  #queue: Promise<QueueInfo> | undefined;
  #info: QueueInfo | undefined;
  #heartbeat: Heartbeat | undefined;
  /** The last receive came back full: the next get() may ask several receives at once. */
  #backlog = true;
  #consecutiveErrors = 0;
  #closed = false;

  constructor(options: SqsSourceOptions) {
    super((error, event) => this.#options.logger.error({ err: error, event }, 'an SqsSource event listener threw'));
    this.#options = resolveSqsSourceOptions(options);
    this.#ownsClient = this.#options.client === undefined;
    this.#client = this.#options.client ?? new SQSClient(this.#options.clientConfig);
    this.#order = this.#options.fifo ? new FifoOrder<Lease>() : undefined;
  }

  /** The SQS client the source uses. */
  get client(): SQSClient {
    return this.#client;
  }

  /** The queue URL, once known (given, or resolved by the first `get()`). */
  get queueUrl(): string | undefined {
    return this.#info?.url ?? this.#options.queueUrl;
  }

  /** Messages delivered by `get()` and not settled yet. */
  get inFlight(): number {
    return this.#leases.size;
  }

  /** The validated options. */
  get options(): ResolvedSqsSourceOptions {
    return this.#options;
  }

  /**
   * Receives up to `min(maxMessages, hint.maxMessages)` messages, long-polling on
   * an empty queue. Resolves `[]` when `signal` aborts, after a transient error
   * (once the back-off has passed), and when the source is closed.
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<SqsMessage<T>[]> {
    if (this.#closed || signal.aborted) return [];
    const abort = AbortSignal.any([signal, this.#closing.signal]);
    let info: QueueInfo;
    try {
      info = await this.#resolveQueue();
    } catch (error) {
      return this.#afterFailedGet(error, 'GetQueueUrl', abort);
    }
    const wanted = Math.max(1, Math.min(this.#options.maxMessages, Math.floor(hint?.maxMessages ?? Number.POSITIVE_INFINITY)));
    const calls = this.#backlog ? Math.ceil(wanted / maxReceivePerCall) : 1;
    const sizes = Array.from({ length: calls }, (_, index) => Math.min(maxReceivePerCall, wanted - index * maxReceivePerCall));
    const startedAt = Date.now();
    // Only the first receive long-polls: the others return at once, so a get() never
    // holds received messages while a sibling receive waits on an emptied queue.
    const results = await Promise.allSettled(
      sizes.map((size, index) => this.#receive(info, size, index === 0 ? this.#options.waitTimeSeconds : 0, abort)),
    );
    const raw: Message[] = [];
    let failure: unknown;
    let full = false;
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        failure ??= result.reason;
        return;
      }
      for (const message of result.value) raw.push(message);
      if (result.value.length >= (sizes[index] as number)) full = true;
    });
    this.#backlog = full;
    const messages = raw.length > 0 ? this.#accept(raw, info, startedAt) : [];
    if (failure === undefined || isAbortError(failure) || abort.aborted) {
      this.#consecutiveErrors = 0;
      return messages;
    }
    // Never drop what other receives brought: deliver it and report the failure.
    if (raw.length === 0) return this.#afterFailedGet(failure, 'ReceiveMessage', abort);
    this.#report(toSqsError(failure, 'ReceiveMessage'), 'ReceiveMessage');
    return messages;
  }

  /**
   * Deletes consumed messages (`DeleteMessageBatch`, 10 per call, concurrently).
   * Messages this source does not track any more (already settled) are skipped.
   * Rejects with `SqsError` when a call failed (a retry of cleanup() tries those
   * messages again) or `SqsBatchEntryError` when SQS refused entries after retries.
   */
  async cleanup(consumed: SqsMessage<T>[]): Promise<void> {
    const remove: Lease[] = [];
    const release: Failed[] = [];
    for (const message of consumed) {
      const lease = this.#leaseOf(message);
      if (lease === undefined) continue;
      if (this.#order === undefined || lease.groupId === undefined) {
        remove.push(lease);
        continue;
      }
      const decision = this.#order.consumed(lease);
      for (const ready of decision.remove) remove.push(ready);
      for (const item of decision.release) release.push(item);
      for (const waiting of decision.waiting) waiting.state = 'waiting';
    }
    await this.#settle(remove, release);
  }

  /**
   * Makes failed messages visible again after `retryDelaySeconds`
   * (`ChangeMessageVisibilityBatch`), or moves those received `deadLetter.maxReceiveCount`
   * times to the dead-letter queue. Rejects like `cleanup()`.
   */
  async release(failed: SqsMessage<T>[], error: unknown): Promise<void> {
    const remove: Lease[] = [];
    const release: Failed[] = [];
    for (const message of failed) {
      const lease = this.#leaseOf(message);
      if (lease === undefined) continue;
      if (this.#order === undefined || lease.groupId === undefined) {
        release.push({ lease, error });
        continue;
      }
      const decision = this.#order.failed(lease, error);
      for (const ready of decision.remove) remove.push(ready);
      for (const item of decision.release) release.push(item);
    }
    await this.#settle(remove, release);
  }

  /**
   * The queue's depth as SQS counts it (approximate): waiting, in flight (not
   * visible), and the dead-letter queue's waiting messages when one is configured.
   */
  async inspect(): Promise<SourceDepth> {
    const info = await this.#resolveQueue();
    const count = async (
      url: string,
      names: ('ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible')[],
    ): Promise<number[]> => {
      try {
        const response = await this.#client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
        return names.map((name) => Number(response.Attributes?.[name] ?? 0));
      } catch (error) {
        throw toSqsError(error, 'GetQueueAttributes');
      }
    };
    const [[waiting = 0, inFlight = 0], dead] = await Promise.all([
      count(info.url, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']),
      info.deadLetter === undefined ? Promise.resolve(undefined) : count(info.deadLetter.url, ['ApproximateNumberOfMessages']),
    ]);
    return dead === undefined ? { waiting, inFlight } : { waiting, inFlight, deadLetters: dead[0] ?? 0 };
  }

  /**
   * Stops the heartbeat, aborts pending receives, waits for the source's own
   * background work (dead-lettering, releases of bad bodies) and destroys the
   * client if the source created it. Messages still unsettled come back after
   * their visibility timeout.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#heartbeat?.stop();
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
    if (this.#ownsClient) this.#client.destroy();
  }

  // ---- receiving ----

  async #receive(info: QueueInfo, count: number, waitTimeSeconds: number, signal: AbortSignal): Promise<Message[]> {
    const visibility = this.#options.visibilityTimeoutSeconds;
    const response = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: info.url,
        MaxNumberOfMessages: count,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: [...this.#options.messageAttributeNames],
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      }),
      { abortSignal: signal },
    );
    return response.Messages ?? [];
  }

  /** Turns received messages into deliveries; bad bodies and messages past the receive limit are settled here. */
  #accept(raw: readonly Message[], info: QueueInfo, receivedAt: number): SqsMessage<T>[] {
    const delivered: SqsMessage<T>[] = [];
    const failed: Failed[] = [];
    const deadLetters: Failed[] = [];
    // FIFO: once a message of a group cannot be delivered, its later ones in this receive are not delivered either.
    const brokenGroups = new Map<string, SqsFifoGroupError>();
    for (const message of raw) {
      if (message.ReceiptHandle === undefined) continue;
      const base = toSqsMessage<string>(message, message.Body ?? '');
      const lease: Lease = {
        receiptHandle: base.receiptHandle,
        messageId: base.messageId,
        receiveCount: base.receiveCount,
        groupId: this.#order === undefined ? undefined : base.groupId,
        rawBody: base.body,
        messageAttributes: base.messageAttributes,
        receivedAt,
        extendedAt: receivedAt,
        state: 'handling',
        extensionStopped: false,
        deadLettered: false,
      };
      const broken = lease.groupId === undefined ? undefined : brokenGroups.get(lease.groupId);
      if (broken !== undefined) {
        failed.push({ lease, error: broken });
        continue;
      }
      if (info.deadLetter !== undefined && lease.receiveCount > info.deadLetter.maxReceiveCount) {
        // Received more often than allowed without being released: its consumers crashed on it.
        deadLetters.push({
          lease,
          error: new ConveyorError(
            'SQS_MAX_RECEIVES',
            `Message ${lease.messageId} was received ${lease.receiveCount} times (more than ${info.deadLetter.maxReceiveCount}) without being consumed`,
          ),
        });
        continue;
      }
      let body: T;
      if (this.#options.bodyFormat === 'json') {
        try {
          body = JSON.parse(base.body) as T;
        } catch (cause) {
          const error = new SqsBodyParseError(lease.messageId, cause);
          this.emit('invalidBody', undeliveredOf(lease), error);
          failed.push({ lease, error });
          if (lease.groupId !== undefined) brokenGroups.set(lease.groupId, new SqsFifoGroupError(lease.groupId, lease.messageId, error));
          continue;
        }
      } else {
        body = base.body as T;
      }
      this.#leases.set(lease.receiptHandle, lease);
      this.#order?.add(lease);
      delivered.push(base.body === body ? (base as SqsMessage<T>) : { ...base, body });
    }
    if (failed.length > 0) this.#inBackground(this.#releaseLeases(failed), 'ChangeMessageVisibilityBatch');
    if (deadLetters.length > 0) this.#inBackground(this.#deadLetter(deadLetters), 'SendMessageBatch');
    if (delivered.length > 0) this.#heartbeatFor(info).wake();
    return delivered;
  }

  /** A get() failed: errors retrying cannot fix reject; transient ones back off and resolve empty. */
  async #afterFailedGet(error: unknown, operation: SqsOperation, signal: AbortSignal): Promise<SqsMessage<T>[]> {
    if (signal.aborted || isAbortError(error)) return [];
    const mapped = toSqsError(error, operation);
    if (!mapped.retryable) throw mapped;
    this.#consecutiveErrors++;
    this.#report(mapped, mapped.operation);
    const delay = Math.min(this.#options.maxErrorBackoff, errorBackoffBaseMs * 2 ** Math.min(this.#consecutiveErrors - 1, 20));
    await sleep(delay, signal);
    return [];
  }

  #resolveQueue(): Promise<QueueInfo> {
    if (this.#info !== undefined) return Promise.resolve(this.#info);
    this.#queue ??= this.#loadQueue().then(
      (info) => (this.#info = info),
      (error: unknown) => {
        // Not cached: the next get() asks again.
        this.#queue = undefined;
        throw error;
      },
    );
    return this.#queue;
  }

  async #loadQueue(): Promise<QueueInfo> {
    const options = this.#options;
    const url = options.queueUrl ?? (await this.#queueUrlOf(options.queueName as string));
    let visibility = options.visibilityTimeoutSeconds;
    if (visibility === undefined) {
      try {
        const response = await this.#client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }));
        visibility = Number(response.Attributes?.VisibilityTimeout ?? 30);
      } catch (error) {
        throw toSqsError(error, 'GetQueueAttributes');
      }
    }
    let heartbeatInterval = visibility === 0 ? 0 : (options.heartbeatInterval ?? (visibility * 1000) / 3);
    if (heartbeatInterval > (visibility * 1000) / 2) {
      // The queue's own timeout is shorter than the interval was chosen for.
      options.logger.warn(
        { heartbeatInterval, visibilityTimeoutSeconds: visibility },
        'heartbeatInterval is above half the visibility timeout; using a third of it',
      );
      heartbeatInterval = (visibility * 1000) / 3;
    }
    let deadLetter: QueueInfo['deadLetter'];
    if (options.deadLetter !== undefined) {
      const dlqUrl = options.deadLetter.queueUrl ?? (await this.#queueUrlOf(options.deadLetter.queueName as string));
      deadLetter = { url: dlqUrl, fifo: dlqUrl.endsWith('.fifo'), maxReceiveCount: options.deadLetter.maxReceiveCount };
    }
    return { url, visibilityTimeoutSeconds: visibility, heartbeatInterval, deadLetter };
  }

  async #queueUrlOf(queueName: string): Promise<string> {
    try {
      const response = await this.#client.send(new GetQueueUrlCommand({ QueueName: queueName }));
      if (response.QueueUrl === undefined) throw new Error(`GetQueueUrl returned no URL for ${queueName}`);
      return response.QueueUrl;
    } catch (error) {
      throw toSqsError(error, 'GetQueueUrl');
    }
  }

  // ---- settling ----

  /** The lease of a message this source delivered and has not settled (or is not settling) yet. */
  #leaseOf(message: SqsMessage<T>): Lease | undefined {
    const lease = this.#leases.get(message.receiptHandle);
    if (lease === undefined || lease.state === 'settling' || lease.state === 'waiting') return undefined;
    return lease;
  }

  async #settle(remove: Lease[], release: Failed[]): Promise<void> {
    const [removed, released] = await Promise.allSettled([this.#delete(remove), this.#releaseLeases(release)]);
    if (removed.status === 'rejected') throw removed.reason;
    if (released.status === 'rejected') throw released.reason;
  }

  async #delete(leases: Lease[]): Promise<void> {
    if (leases.length === 0) return;
    const url = (await this.#resolveQueue()).url;
    for (const lease of leases) lease.state = 'settling';
    const outcome = await sendInBatches(leases, {
      operation: 'DeleteMessageBatch',
      toEntry: (lease, id) => ({ Id: id, ReceiptHandle: lease.receiptHandle }),
      messageIdOf: (lease) => lease.messageId,
      call: (entries) => this.#client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries })),
      attempts: this.#options.entryAttempts,
    });
    this.#account(outcome, 'DeleteMessageBatch');
  }

  /** Failed messages back to the queue (after the retry delay), or to the dead-letter queue. */
  async #releaseLeases(items: Failed[]): Promise<void> {
    if (items.length === 0) return;
    const info = await this.#resolveQueue();
    const limit = info.deadLetter?.maxReceiveCount;
    const back: Failed[] = [];
    const dead: Failed[] = [];
    for (const item of items) {
      if (item.lease.deadLettered) dead.push(item);
      else if (limit !== undefined && item.lease.receiveCount >= limit) dead.push(item);
      else back.push(item);
    }
    const [visible, moved] = await Promise.allSettled([this.#makeVisible(back.map((item) => item.lease)), this.#deadLetter(dead)]);
    if (visible.status === 'rejected') throw visible.reason;
    if (moved.status === 'rejected') throw moved.reason;
  }

  async #makeVisible(leases: Lease[]): Promise<void> {
    if (leases.length === 0) return;
    const url = (await this.#resolveQueue()).url;
    for (const lease of leases) lease.state = 'settling';
    const outcome = await sendInBatches(leases, {
      operation: 'ChangeMessageVisibilityBatch',
      toEntry: (lease, id) => ({ Id: id, ReceiptHandle: lease.receiptHandle, VisibilityTimeout: this.#retryDelay(lease.receiveCount) }),
      messageIdOf: (lease) => lease.messageId,
      call: (entries) => this.#client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })),
      attempts: this.#options.entryAttempts,
    });
    this.#account(outcome, 'ChangeMessageVisibilityBatch');
  }

  /** Sends messages to the dead-letter queue, then deletes them; those that could not be sent are released instead. */
  async #deadLetter(items: Failed[]): Promise<void> {
    if (items.length === 0) return;
    const info = await this.#resolveQueue();
    const target = info.deadLetter;
    if (target === undefined) return this.#makeVisible(items.map((item) => item.lease));
    // Already in the dead-letter queue from an earlier attempt whose delete failed: only delete.
    const alreadySent = items.filter((item) => item.lease.deadLettered).map((item) => item.lease);
    const toSend = items.filter((item) => !item.lease.deadLettered);
    for (const item of toSend) item.lease.state = 'settling';
    const outcome = await sendInBatches(toSend, {
      operation: 'SendMessageBatch',
      toEntry: (item, id) => ({
        Id: id,
        MessageBody: item.lease.rawBody,
        MessageAttributes: withReason(toAwsAttributes(item.lease.messageAttributes), item.error),
        ...(target.fifo
          ? { MessageGroupId: item.lease.groupId ?? 'conveyor-dead-letters', MessageDeduplicationId: item.lease.messageId }
          : {}),
      }),
      messageIdOf: (item) => item.lease.messageId,
      call: (entries) => this.#client.send(new SendMessageBatchCommand({ QueueUrl: target.url, Entries: entries })),
      attempts: this.#options.entryAttempts,
    });
    for (const item of outcome.succeeded) {
      item.lease.deadLettered = true;
      this.emit('deadLettered', undeliveredOf(item.lease), item.error);
    }
    const notSent = [...outcome.failed.map((entry) => entry.item), ...outcome.unsent.map((entry) => entry.item)];
    if (notSent.length > 0) {
      const error =
        outcome.unsent[0]?.error ??
        new SqsBatchEntryError(
          'SendMessageBatch',
          outcome.failed.map((entry) => entry.failure),
        );
      this.#report(error, 'DeadLetter');
    }
    const sent = [...alreadySent, ...outcome.succeeded.map((item) => item.lease)];
    // Not sent: released as usual, so the message is not lost; a later receive moves it.
    const [deleted, released] = await Promise.allSettled([this.#delete(sent), this.#makeVisible(notSent.map((item) => item.lease))]);
    if (deleted.status === 'rejected') throw deleted.reason;
    if (released.status === 'rejected') throw released.reason;
  }

  /** Books the outcome of a settle call on the leases; throws what the caller must know. */
  #account(outcome: BatchOutcome<Lease>, operation: SqsOperation): void {
    for (const lease of outcome.succeeded) this.#forget(lease);
    const reported: SqsBatchEntryFailure[] = [];
    for (const { item: lease, failure } of outcome.failed) {
      if (operation === 'ChangeMessageVisibilityBatch' && goneCodes.test(failure.awsCode)) {
        this.#forget(lease); // already visible again, or gone: nothing to release
        continue;
      }
      // A refused entry fails the same way on a later call: forget it, SQS delivers it again.
      if (failure.senderFault) this.#forget(lease);
      else lease.state = 'unsettled';
      reported.push(failure);
    }
    for (const { item } of outcome.unsent) item.state = 'unsettled';
    const unsent = outcome.unsent[0];
    if (unsent !== undefined) throw unsent.error;
    if (reported.length > 0) throw new SqsBatchEntryError(operation, reported);
  }

  #forget(lease: Lease): void {
    if (this.#leases.get(lease.receiptHandle) === lease) this.#leases.delete(lease.receiptHandle);
  }

  #retryDelay(receiveCount: number): number {
    const delay = this.#options.retryDelaySeconds;
    if (typeof delay === 'number') return delay;
    return Math.min(delay.maxSeconds, delay.baseSeconds * 2 ** Math.min(Math.max(receiveCount - 1, 0), 20));
  }

  // ---- heartbeat ----

  #heartbeatFor(info: QueueInfo): Heartbeat {
    if (this.#heartbeat === undefined) {
      // Without a heartbeat the timer still sweeps leases whose settle call failed and whose visibility ran out.
      const period = info.heartbeatInterval > 0 ? info.heartbeatInterval : Math.max(1000, info.visibilityTimeoutSeconds * 1000);
      this.#heartbeat = new Heartbeat(
        period,
        () => this.#beat(info),
        (error) => this.#report(toSqsError(error, 'ChangeMessageVisibilityBatch'), 'ChangeMessageVisibilityBatch'),
      );
      if (this.#closed) this.#heartbeat.stop();
    }
    return this.#heartbeat;
  }

  /** One heartbeat: extends the visibility of unsettled messages due for it. Resolves whether any lease is left. */
  async #beat(info: QueueInfo): Promise<boolean> {
    if (this.#closed) return false;
    const now = Date.now();
    const visibilityMs = info.visibilityTimeoutSeconds * 1000;
    const maxExtensionMs = this.#options.maxExtensionSeconds * 1000;
    const due: Lease[] = [];
    for (const lease of this.#leases.values()) {
      if (lease.state === 'unsettled' && now > lease.extendedAt + visibilityMs) {
        this.#leases.delete(lease.receiptHandle); // its visibility ran out: SQS delivers it again
        continue;
      }
      if (info.heartbeatInterval === 0 || lease.extensionStopped) continue;
      if (lease.state !== 'handling' && lease.state !== 'waiting') continue;
      if (now - lease.extendedAt < info.heartbeatInterval / 2) continue;
      if (now + visibilityMs - lease.receivedAt > maxExtensionMs) {
        lease.extensionStopped = true;
        continue;
      }
      due.push(lease);
    }
    if (due.length > 0) await this.#extend(due, info, now);
    return this.#leases.size > 0;
  }

  async #extend(leases: Lease[], info: QueueInfo, now: number): Promise<void> {
    const outcome = await sendInBatches(leases, {
      operation: 'ChangeMessageVisibilityBatch',
      toEntry: (lease, id) => ({ Id: id, ReceiptHandle: lease.receiptHandle, VisibilityTimeout: info.visibilityTimeoutSeconds }),
      messageIdOf: (lease) => lease.messageId,
      call: (entries) => this.#client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: info.url, Entries: entries })),
      attempts: this.#options.entryAttempts,
    });
    for (const lease of outcome.succeeded) lease.extendedAt = now;
    if (outcome.succeeded.length > 0) this.emit('extended', outcome.succeeded.length);
    // Settled while the extension was in flight: a refusal for those is expected, not a fault.
    const refused = outcome.failed.filter(
      ({ item }) => this.#leases.get(item.receiptHandle) === item && (item.state === 'handling' || item.state === 'waiting'),
    );
    if (refused.length > 0) {
      // SQS refused: the message is visible again or was received elsewhere; extending further cannot help.
      for (const { item } of refused) item.extensionStopped = true;
      this.#report(
        new SqsBatchEntryError(
          'ChangeMessageVisibilityBatch',
          refused.map((entry) => entry.failure),
        ),
        'ChangeMessageVisibilityBatch',
      );
    }
    // A failed call is tried again on the next beat.
    const unsent = outcome.unsent[0];
    if (unsent !== undefined) this.#report(unsent.error, 'ChangeMessageVisibilityBatch');
  }

  // ---- faults ----

  #inBackground(work: Promise<void>, operation: SqsOperation): void {
    const tracked = work.catch((error: unknown) => {
      const reported = error instanceof ConveyorError ? error : toSqsError(error, operation);
      this.#report(reported, reported instanceof SqsError ? reported.operation : operation);
    });
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  #report(error: ConveyorError, operation: SqsOperation | 'DeadLetter'): void {
    this.#options.logger.warn({ err: error, operation }, `SqsSource: ${error.message}`);
    this.emit('error', error, { operation });
  }
}

function undeliveredOf(lease: Lease): UndeliveredMessage {
  return {
    messageId: lease.messageId,
    receiveCount: lease.receiveCount,
    body: lease.rawBody,
    ...(lease.groupId === undefined ? {} : { groupId: lease.groupId }),
  };
}

/** Adds why the message was dead-lettered, as an attribute, when SQS's limit of 10 attributes allows. */
function withReason(attributes: Record<string, MessageAttributeValue>, reason: unknown): Record<string, MessageAttributeValue> {
  if (Object.keys(attributes).length >= maxMessageAttributes || 'ConveyorError' in attributes) return attributes;
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return { ...attributes, ConveyorError: { DataType: 'String', StringValue: text.slice(0, 1024) || 'unknown' } };
}
