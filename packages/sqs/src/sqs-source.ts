import { SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import type { GetHint, Source, SourceDepth, SourceDescription, TraceCarrier } from '@conveyor/core';
import { FaultBackoff, TypedEmitter } from '@conveyor/core/kit';
import { DeadLetters } from './dead-letters.js';
import { isAbortError, toSqsError } from './errors/error-mapping.js';
import type { SqsError, SqsOperation } from './errors/sqs-error.js';
import { Faults } from './faults.js';
import { FifoOrder } from './fifo-order.js';
import { Heartbeat } from './heartbeat.js';
import type { Lease } from './lease.js';
import { LeaseBook } from './lease-book.js';
import type { QueueInfo } from './queue-lookup.js';
import { QueueLookup } from './queue-lookup.js';
import { Receiver } from './receiver.js';
import { Settler } from './settler.js';
import type { SqsMessage } from './sqs-message.js';
import { traceContextOf } from './trace-attributes.js';
import type { EmitSqsSourceEvent, SqsSourceEvents } from './sqs-source-events.js';
import type { ResolvedSqsSourceOptions, SqsSourceOptions } from './sqs-source-options.js';
import { resolveSqsSourceOptions } from './sqs-source-options.js';

/**
 * A Conveyor source over an Amazon SQS queue (or any SQS-compatible server).
 *
 * - `get()` long-polls (`waitTimeSeconds`), returns up to `maxMessages` (several
 *   receives at once above 10) and resolves `[]` soon after its signal aborts.
 * - `cleanup()` deletes consumed messages with `DeleteMessageBatch`, 10 at a time;
 *   entries SQS refuses are retried, then reported (`SqsBatchEntryError`).
 * - `release()` makes failed messages visible again after `retryDelaySeconds`
 *   (`ChangeMessageVisibilityBatch`), or moves them to `deadLetter` after too many
 *   receives, or at once when they are poison; messages the handler never received
 *   are visible again at once.
 * - A heartbeat extends the visibility of delivered, unsettled messages, so a long
 *   handler keeps its messages; it lives in this process, so a crash lets them come back.
 * - FIFO queues (`.fifo`): a message is deleted only after every earlier message of
 *   its group in the same delivery; when one fails, the later ones are released too.
 * - Network, throttling and server errors back off inside `get()` (event `error`);
 *   errors that retrying cannot fix (no such queue, access denied) reject as `SqsError`.
 *
 * The work is done by the parts behind this front: `Receiver`, `LeaseBook`,
 * `Settler` (with `DeadLetters`), `Heartbeat`, `QueueLookup`, `FaultBackoff` (kit), `Faults`.
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
  readonly #leases = new LeaseBook();
  readonly #faults: Faults;
  readonly #queue: QueueLookup;
  readonly #receiver: Receiver<T>;
  readonly #settler: Settler;
  readonly #errorBackoff: FaultBackoff<SqsOperation, SqsError>;
  readonly #closing = new AbortController();
  /** Hands `emit` (protected) to the parts. */
  readonly #emit: EmitSqsSourceEvent = (event, ...args) => this.emit(event, ...args);
  #heartbeat: Heartbeat | undefined;
  #closed = false;

  /**
   * Bodies are text or parsed JSON, attributes strings: plain JSON data (the
   * consumer skips its wire check) — unless a subclass may add to the messages.
   */
  readonly plainJsonMessages: boolean;

  constructor(options: SqsSourceOptions) {
    super((error, event) => this.#options.logger.error({ err: error, event }, 'an SqsSource event listener threw'));
    this.plainJsonMessages = new.target === SqsSource;
    const resolved = resolveSqsSourceOptions(options);
    this.#options = resolved;
    this.#ownsClient = resolved.client === undefined;
    const client = resolved.client ?? new SQSClient(resolved.clientConfig);
    this.#client = client;
    const emit = this.#emit;
    this.#faults = new Faults(resolved.logger, emit);
    this.#queue = new QueueLookup(client, resolved);
    const order = resolved.fifo ? new FifoOrder<Lease>() : undefined;
    const leases = this.#leases;
    this.#receiver = new Receiver<T>({ client, options: resolved, leases, order, emit });
    const deadLetters = new DeadLetters(client, resolved.entryAttempts, resolved.clock, this.#faults, emit);
    this.#settler = new Settler({ client, options: resolved, queue: this.#queue, leases, order, deadLetters });
    this.#errorBackoff = new FaultBackoff({
      capMs: resolved.maxErrorBackoff,
      clock: resolved.clock,
      map: toSqsError,
      report: (fault) => this.#faults.report(fault, fault.operation),
      ignore: isAbortError,
    });
  }

  /** The SQS client the source uses. */
  get client(): SQSClient {
    return this.#client;
  }

  /** The queue URL, once known (given, or resolved by the first `get()`). */
  get queueUrl(): string | undefined {
    return this.#queue.url;
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
      info = await this.#queue.resolve();
    } catch (error) {
      await this.#errorBackoff.failed(error, 'GetQueueUrl', abort);
      return [];
    }
    const wanted = Math.max(1, Math.min(this.#options.maxMessages, Math.floor(hint?.maxMessages ?? Number.POSITIVE_INFINITY)));
    const receivedAt = this.#options.clock.now();
    const { messages: raw, failure } = await this.#receiver.receive(info, wanted, abort);
    const messages = raw.length > 0 ? this.#accept(raw, info, receivedAt) : [];
    if (failure === undefined || isAbortError(failure) || abort.aborted) {
      this.#errorBackoff.succeeded();
      return messages;
    }
    // Never drop what other receives brought: deliver it and report the failure.
    if (raw.length === 0) await this.#errorBackoff.failed(failure, 'ReceiveMessage', abort);
    else this.#faults.report(toSqsError(failure, 'ReceiveMessage'), 'ReceiveMessage');
    return messages;
  }

  /**
   * Deletes consumed messages (`DeleteMessageBatch`, 10 per call, concurrently).
   * Messages this source does not track any more (already settled) are skipped.
   * Rejects with `SqsError` when a call failed (a retry of cleanup() tries those
   * messages again) or `SqsBatchEntryError` when SQS refused entries after retries.
   */
  async cleanup(consumed: SqsMessage<T>[]): Promise<void> {
    await this.#settler.consumed(consumed.map((message) => message.receipt));
  }

  /**
   * Makes failed messages visible again after `retryDelaySeconds`
   * (`ChangeMessageVisibilityBatch`), or moves those received `deadLetter.maxReceiveCount`
   * times to the dead-letter queue, and poison ones (`isPoison(error)`: no retry can
   * cure them) at once when there is a `deadLetter` queue. When the handler never
   * received them (`isUncharged(error)`), they are visible again at once and never
   * dead-lettered by this call (SQS still counted their receive). Rejects like `cleanup()`.
   */
  async release(failed: SqsMessage<T>[], error: unknown): Promise<void> {
    await this.#settler.failed(
      failed.map((message) => message.receipt),
      error,
    );
  }

  /**
   * The consumer gave up settling these (a delete or visibility call kept
   * failing): the source stops holding and renewing them, and SQS delivers them
   * again once their visibility lapses (FIFO messages keep their group's order until then).
   */
  forget(messages: SqsMessage<T>[]): void {
    this.#settler.forgotten(messages.map((message) => message.receipt));
  }

  /** `{ system: 'aws_sqs', destination: <queue name> }` (OpenTelemetry's names). */
  describe(): SourceDescription {
    const url = this.#options.queueUrl ?? this.#queue.url;
    const name = this.#options.queueName ?? (url === undefined ? 'unknown' : (url.split('/').pop() ?? url));
    return { system: 'aws_sqs', destination: name };
  }

  /** The W3C trace context a producer put in the message attributes `traceparent` and `tracestate` (SqsSender's `traceContext`). */
  traceContext(message: SqsMessage<T>): TraceCarrier | undefined {
    return traceContextOf(message.messageAttributes);
  }

  /**
   * The queue's depth as SQS counts it (approximate): waiting, in flight (not
   * visible), and the dead-letter queue's waiting messages when one is configured.
   */
  inspect(): Promise<SourceDepth> {
    return this.#queue.depth();
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
    await this.#faults.settled();
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Accepts received messages; settles on its own, in the background, those that must not reach a handler. */
  #accept(raw: readonly Message[], info: QueueInfo, receivedAt: number): SqsMessage<T>[] {
    const { delivered, failed, deadLetters } = this.#receiver.accept(raw, info, receivedAt);
    if (failed.length > 0) this.#faults.inBackground(this.#settler.release(failed), 'ChangeMessageVisibilityBatch');
    if (deadLetters.length > 0) this.#faults.inBackground(this.#settler.deadLetter(deadLetters), 'SendMessageBatch');
    if (delivered.length > 0) this.#heartbeatFor(info).wake();
    return delivered;
  }

  #heartbeatFor(info: QueueInfo): Heartbeat {
    if (this.#heartbeat === undefined) {
      const parts = { client: this.#client, options: this.#options, info, leases: this.#leases, faults: this.#faults, emit: this.#emit };
      this.#heartbeat = new Heartbeat(parts);
      if (this.#closed) this.#heartbeat.stop();
    }
    return this.#heartbeat;
  }
}
