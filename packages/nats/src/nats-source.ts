import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { GetHint, Source, SourceDepth, SourceDescription, TraceCarrier } from '@conveyor/core';
import { FaultBackoff, TypedEmitter, readTraceHeaders } from '@conveyor/core/kit';
import { decodeBody } from './body-decoder.js';
import { ConsumerBinding } from './consumer-binding.js';
import type { Bound } from './consumer-binding.js';
import { DeadLetters } from './dead-letters.js';
import type { Delivery } from './delivery-book.js';
import { DeliveryBook } from './delivery-book.js';
import { toNatsError } from './errors/error-mapping.js';
import type { NatsOperation } from './errors/nats-error.js';
import { NatsMaxReceivesError } from './errors/nats-max-receives-error.js';
import { Faults } from './faults.js';
import { Fetcher } from './fetcher.js';
import { jetStreamAcks } from './jetstream-acks.js';
import type { NatsMessage } from './nats-message.js';
import { natsMessageOf, receiptOf } from './nats-message.js';
import type { EmitNatsSourceEvent, NatsSourceEvents } from './nats-source-events.js';
import type { NatsSourceOptions, ResolvedNatsSourceOptions } from './nats-source-options.js';
import { resolveNatsSourceOptions } from './nats-source-options.js';
import { Settler } from './settler.js';
import { UnchargedReturns } from './uncharged-returns.js';

/**
 * A Conveyor source over a durable JetStream pull consumer.
 *
 * - `get()` fetches up to the consumer's hint (`consumer.fetch({ max_messages, expires })`),
 *   long-polling an empty stream for `maxWait`; it resolves `[]` soon after its signal aborts.
 * - `cleanup()` acks consumed messages (pipelined, one flush per call).
 * - `release()` naks failed messages: at once and not counted when the handler never had
 *   them, else with the `retryBackoff` delay; at `maxReceiveCount`, or poison, they are
 *   copied to the dead-letter subject and terminated.
 * - `leaseDuration()` is the consumer's `ack_wait`; `extend()` sends progress acks, so the
 *   consumer's lease keeper keeps long bulks and deep buffers from being redelivered.
 * - The client reconnects on its own; a fetch cut by a lost connection ends, the poller goes
 *   on, and settling a delivery from before the loss never throws.
 *
 * The work is done by the parts behind this front: `ConsumerBinding`, `Fetcher`,
 * `DeliveryBook`, `Settler` (with `DeadLetters`), `UnchargedReturns`, `FaultBackoff` (kit), `Faults`.
 *
 * ```ts
 * const source = new NatsSource<Order>({ servers: 'nats://127.0.0.1:4222', stream: 'ORDERS', consumer: 'billing', bodyFormat: 'json' });
 * const consumer = new Consumer(source, { handlerModule: './handler.js', bulkSize: 50 });
 * ```
 */
export class NatsSource<T = string> extends TypedEmitter<NatsSourceEvents> implements Source<NatsMessage<T>> {
  readonly #options: ResolvedNatsSourceOptions;
  readonly #binding: ConsumerBinding;
  readonly #book = new DeliveryBook();
  readonly #uncharged = new UnchargedReturns();
  readonly #faults: Faults;
  readonly #fetcher: Fetcher;
  readonly #settler: Settler;
  readonly #errorBackoff: FaultBackoff<NatsOperation, Error>;
  readonly #closing = new AbortController();
  /** Hands `emit` (protected) to the parts. */
  readonly #emit: EmitNatsSourceEvent = (event, ...args) => this.emit(event, ...args);
  #closed = false;

  constructor(options: NatsSourceOptions) {
    super((error, event) => this.#options.logger.error({ err: error, event }, 'a NatsSource event listener threw'));
    const resolved = resolveNatsSourceOptions(options);
    this.#options = resolved;
    this.#binding = new ConsumerBinding(resolved);
    this.#faults = new Faults(resolved.logger, this.#emit);
    const deadLetters = new DeadLetters(resolved.deadLetter.subject, this.#emit);
    this.#settler = new Settler({
      options: resolved,
      binding: this.#binding,
      book: this.#book,
      uncharged: this.#uncharged,
      deadLetters,
      faults: this.#faults,
    });
    this.#fetcher = new Fetcher(resolved, (messages) => this.#settler.giveBack(messages));
    this.#errorBackoff = new FaultBackoff({
      capMs: resolved.maxErrorBackoff,
      clock: resolved.clock,
      map: toNatsError,
      report: (fault, operation) => this.#faults.report(fault, operation),
    });
  }

  /** The validated options. */
  get options(): ResolvedNatsSourceOptions {
    return this.#options;
  }

  /** The connection, once the source is bound (given, or opened on first use). */
  get connection(): NatsConnection | undefined {
    return this.#binding.current?.connection;
  }

  /** Messages delivered by `get()` and not settled yet. */
  get inFlight(): number {
    return this.#book.size;
  }

  /** Connects and binds to the stream and consumer now (creating them when `create` is on), instead of on the first `get()`. */
  async bind(): Promise<void> {
    await this.#binding.resolve();
  }

  /**
   * Fetches up to `min(maxMessages, hint.maxMessages)` messages, long-polling an
   * empty stream for `maxWait`. Resolves `[]` when `signal` aborts, after a lost
   * connection (once the back-off has passed), and when the source is closed.
   * Rejects with what retrying cannot fix: a missing stream or consumer
   * (`NatsError` `NATS_NOT_FOUND`), a contradicting consumer (`NatsConsumerConfigError`).
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<NatsMessage<T>[]> {
    if (this.#closed || signal.aborted) return [];
    const abort = AbortSignal.any([signal, this.#closing.signal]);
    let bound: Bound;
    try {
      bound = await this.#binding.resolve();
    } catch (error) {
      await this.#errorBackoff.failed(error, 'bind', abort);
      return [];
    }
    const wanted = Math.max(1, Math.min(this.#options.maxMessages, Math.floor(hint?.maxMessages ?? Number.POSITIVE_INFINITY)));
    const { messages, failure } = await this.#fetcher.take(bound.consumer, wanted, abort, bound.ackWait);
    if (failure !== undefined && !abort.aborted) {
      await this.#errorBackoff.failed(failure, 'fetch', abort);
      return [];
    }
    if (messages.length > 0) this.#errorBackoff.succeeded();
    return this.#accept(messages);
  }

  /** Acks consumed messages. Messages already settled (or from before a reconnect) are skipped. */
  async cleanup(consumed: NatsMessage<T>[]): Promise<void> {
    await this.#settler.consumed(consumed.map((message) => message.receipt));
  }

  /**
   * Gives failed messages back: at once and not counted when the handler never
   * received them (`isUncharged(error)`), else after `retryBackoff`; copied to
   * the dead letters and terminated at `maxReceiveCount` or when `isPoison(error)`.
   */
  async release(failed: NatsMessage<T>[], error: unknown): Promise<void> {
    await this.#settler.failed(
      failed.map((message) => message.receipt),
      error,
    );
  }

  /** The consumer's `ack_wait` in ms, once bound. */
  leaseDuration(): number | undefined {
    return this.#binding.current?.ackWait;
  }

  /** Progress acks (`+WPI`) for held deliveries: each one's `ack_wait` starts again. */
  extend(messages: NatsMessage<T>[]): void {
    for (const message of messages) {
      const delivery = this.#book.held(message.receipt);
      if (delivery !== undefined) jetStreamAcks.working(delivery.msg);
    }
  }

  /** The message's subject, or a header's first value, when the `orderingKey` option asks for one (see the README for what order holds). */
  orderingKey(message: NatsMessage<T>): string | undefined {
    const key = this.#options.orderingKey;
    if (key === undefined) return undefined;
    if (key === 'subject') return message.subject;
    return message.headers[key.header]?.[0];
  }

  /**
   * The consumer's depth as JetStream counts it: `waiting` = `num_pending` (not
   * delivered yet), `inFlight` = `num_ack_pending` (delivered, not acknowledged:
   * with the consumer, or waiting out a retry delay), `deadLetters` = messages on
   * the dead-letter subject.
   */
  /** The trace context a producer put in the headers `traceparent` / `tracestate` (NatsSender's `traceContext`), if any. */
  traceContext(message: NatsMessage<T>): TraceCarrier | undefined {
    return readTraceHeaders((name) => message.headers[name]?.[0]);
  }

  /** `{ system: 'nats', destination: <stream> }`. */
  describe(): SourceDescription {
    return { system: 'nats', destination: this.options.stream };
  }

  async inspect(): Promise<SourceDepth> {
    const bound = await this.#binding.resolve();
    try {
      const info = await bound.jsm.consumers.info(this.#options.stream, this.#options.consumer);
      return { waiting: info.num_pending, inFlight: info.num_ack_pending, deadLetters: await this.deadLetterCount() };
    } catch (error) {
      throw toNatsError(error, 'inspect');
    }
  }

  /** Messages on the dead-letter subject. */
  async deadLetterCount(): Promise<number> {
    const bound = await this.#binding.resolve();
    const subject = this.#options.deadLetter.subject;
    try {
      const info = await bound.jsm.streams.info(bound.deadLetterStream, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    } catch (error) {
      throw toNatsError(error, 'inspect');
    }
  }

  /**
   * Stops fetching, gives back (uncharged) what was fetched and not handed out,
   * waits for the source's own background work (dead-lettering) and closes the
   * connection if the source opened it. Messages still held come back after
   * their `ack_wait`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    await this.#fetcher.close();
    await this.#faults.settled();
    const bound = this.#binding.current;
    if (bound !== undefined && !bound.connection.isClosed()) await bound.connection.flush().catch(() => {});
    await this.#binding.close();
  }

  /** Turns fetched messages into deliveries; dead-letters, in the background, those that must not reach a handler. */
  #accept(fetched: readonly JsMsg[]): NatsMessage<T>[] {
    const delivered: NatsMessage<T>[] = [];
    const { maxReceiveCount, bodyFormat } = this.#options;
    for (const msg of fetched) {
      const receiveCount = Math.max(1, msg.info.deliveryCount - this.#uncharged.of(msg.seq));
      const delivery: Delivery = { msg, receipt: receiptOf(msg), sequence: msg.seq, receiveCount, state: 'held' };
      if (receiveCount > maxReceiveCount) {
        // Delivered more often than allowed without being settled: its consumers crashed on it.
        this.#deadLetterNow(delivery, new NatsMaxReceivesError(msg.seq, receiveCount, maxReceiveCount));
        continue;
      }
      const decoded = decodeBody(msg.data, bodyFormat, msg.seq);
      if (!decoded.ok) {
        this.emit('invalidBody', { id: msg.seq, subject: msg.subject, receiveCount }, decoded.error);
        this.#deadLetterNow(delivery, decoded.error);
        continue;
      }
      this.#book.add(delivery);
      delivered.push(natsMessageOf(msg, decoded.body as T, receiveCount));
    }
    return delivered;
  }

  #deadLetterNow(delivery: Delivery, reason: unknown): void {
    delivery.state = 'settling';
    this.#faults.inBackground(this.#settler.deadLetter([delivery], reason), 'deadLetter');
  }
}
