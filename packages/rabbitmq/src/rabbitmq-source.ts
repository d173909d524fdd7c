import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { GetHint, ReleaseReport, Source, SourceDepth, SourceDescription, TraceCarrier } from '@conveyor/core';
import { TypedEmitter, Wakeup, headerText, readTraceHeaders } from '@conveyor/core/kit';
import type { Backlog } from './backlog.js';
import { FifoBacklog, KeyedBacklog } from './backlog.js';
import type { BrokerAddress } from './broker-address.js';
import { brokerAddress } from './broker-address.js';
import type { Link } from './connector.js';
import { Connector } from './connector.js';
import { keyOf } from './delivery.js';
import { isFatal, toRabbitMqError } from './errors/error-mapping.js';
import { Faults } from './faults.js';
import { PrefetchPlan } from './prefetch-plan.js';
import { Publisher } from './publisher.js';
import type { RabbitMqMessage } from './rabbitmq-message.js';
import type { EmitRabbitMqSourceEvent, RabbitMqSourceEvents } from './rabbitmq-source-events.js';
import type { RabbitMqSourceOptions, ResolvedRabbitMqSourceOptions } from './rabbitmq-source-options.js';
import { rabbitMqSourceDefaults, resolveRabbitMqSourceOptions } from './rabbitmq-source-options.js';
import { Receiver } from './receiver.js';
import { Settler } from './settler.js';
import { declareTopology } from './topology.js';
import type { ConveyorError } from '@conveyor/core';

/** Macrotask turns an emptied backlog waits for more of a burst before `get()` hands it out. */
const lingerTurns = 3;

/**
 * A Conveyor source over a RabbitMQ queue (classic or quorum), on amqplib.
 *
 * - The broker pushes (`basic.consume`, manual acks) up to `prefetch` messages
 *   into a backlog; `get()` hands out up to the room the consumer has, and
 *   long-polls an empty backlog until its signal aborts or `waitTime` passes.
 * - `cleanup()` acks, with one `multiple` ack where the tags are contiguous.
 * - `release()`: messages the handler never received go back at once,
 *   uncounted; charged failures wait out their backoff in a delay queue and
 *   come back with `receiveCount` + 1, or go to the dead-letter exchange after
 *   `maxReceiveCount` (poison at once), with the last error in their headers.
 * - Ordered mode (`orderingKey`): one message of a key out at a time, a failed
 *   one held in place (unacked) through its backoff.
 * - A lost connection or channel (broker restart, network) is reopened with
 *   backoff; its unacked deliveries come back from the broker, and receipts of
 *   the old channel are never acked on the new one.
 * - No lease to renew: an unacked message stays with its consumer until the
 *   channel closes, however long the handler takes.
 *
 * The parts behind this front: `Connector` (connection, generations), `Receiver`
 * (consume, decode), a `Backlog`, `Settler` (acks, retries, dead letters) on a
 * `Publisher` of its own, `Generation` (open deliveries, `AckBook`).
 *
 * ```ts
 * const source = new RabbitMqSource<Order>({ url: 'amqp://guest:guest@127.0.0.1:5672', queue: 'orders', bodyFormat: 'json' });
 * const consumer = new Consumer(source, { handlerModule: new URL('./handler.js', import.meta.url), bulkSize: 32 });
 * ```
 */
export class RabbitMqSource<T = string> extends TypedEmitter<RabbitMqSourceEvents> implements Source<RabbitMqMessage<T>> {
  readonly #options: ResolvedRabbitMqSourceOptions;
  readonly #address: BrokerAddress;
  readonly #faults: Faults;
  readonly #backlog: Backlog<T>;
  readonly #publisher: Publisher;
  readonly #settler: Settler<T>;
  readonly #receiver: Receiver<T>;
  readonly #connector: Connector;
  readonly #prefetch: PrefetchPlan;
  /** Hands `emit` (protected) to the parts. */
  readonly #emit: EmitRabbitMqSourceEvent = (event, ...args) => this.emit(event, ...args);
  /** Long-polling get() calls waiting for a delivery. */
  #arrivals: Wakeup | undefined;
  readonly #wake = (): void => this.#arrivals?.wake();
  /** Set once `get()` decided the prefetch: every new link consumes. */
  #consuming = false;
  #starting: Promise<void> | undefined;
  #fatal: ConveyorError | undefined;
  #closed = false;

  constructor(options: RabbitMqSourceOptions) {
    super((error, event) => this.#options.logger.error({ err: error, event }, 'a RabbitMqSource event listener threw'));
    const resolved = resolveRabbitMqSourceOptions(options);
    this.#options = resolved;
    this.#address = brokerAddress(resolved.url);
    this.#faults = new Faults(resolved.logger, this.#emit);
    this.#backlog = resolved.orderingKey === undefined ? new FifoBacklog<T>() : new KeyedBacklog<T>();
    this.#publisher = new Publisher(this.#address, `${resolved.connectionName} (publisher)`, resolved.socketOptions);
    this.#prefetch = new PrefetchPlan(resolved.prefetch, rabbitMqSourceDefaults.maxPrefetch);
    const parts = { options: resolved, backlog: this.#backlog, emit: this.#emit, wake: this.#wake };
    this.#settler = new Settler<T>({ ...parts, publisher: this.#publisher, current: () => this.#receiver.generation });
    this.#receiver = new Receiver<T>({ ...parts, settler: this.#settler, faults: this.#faults });
    this.#connector = new Connector({
      address: this.#address,
      connectionName: resolved.connectionName,
      socketOptions: resolved.socketOptions,
      backoff: resolved.reconnectBackoff,
      clock: resolved.clock,
      setup: (link) => this.#setup(link),
      onLost: (link, error) => {
        this.#receiver.lost(link, error);
        this.#wake();
      },
      report: (error) => this.#faults.report(error),
    });
  }

  /** The validated options. */
  get options(): ResolvedRabbitMqSourceOptions {
    return this.#options;
  }

  /** The consumer prefetch, once the first `get()` decided it. */
  get prefetch(): number | undefined {
    return this.#prefetch.value;
  }

  /** Deliveries open on the current channel: waiting in the backlog, handed out, held for a retry. */
  get inFlight(): number {
    return this.#receiver.generation?.open ?? 0;
  }

  /** The current channel generation (0 before the first connection). */
  get generation(): number {
    return this.#connector.link?.generation ?? 0;
  }

  /**
   * Up to `hint.maxMessages` messages from the backlog; on an empty one, waits
   * for a delivery until `signal` aborts or `waitTime` passes (then `[]`). The
   * first call decides the prefetch and starts consuming; while the connection
   * is down it waits for the next one. Rejects only with errors that retrying
   * cannot fix (`RabbitMqDeclarationError`, access refused, no such vhost).
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<RabbitMqMessage<T>[]> {
    if (this.#closed || signal.aborted) return [];
    const max = Math.max(1, Math.floor(hint?.maxMessages ?? this.#prefetch.value ?? 100));
    if (!this.#consuming) {
      await this.#prefetch.decide(max);
      this.#consuming = true;
      this.#connector.keepConnected = true;
    }
    const { clock, waitTime } = this.#options;
    const deadline = clock.now() + waitTime;
    while (!this.#closed && !signal.aborted) {
      const taken = this.#backlog.take(max);
      if (taken.length > 0) return taken.map((delivery) => delivery.message);
      if (this.#fatal !== undefined && this.#starting === undefined) throw this.#fatal;
      if (this.#receiver.generation === undefined) this.#startConsuming();
      const remaining = deadline - clock.now();
      if (remaining <= 0) break;
      await this.#wait(signal, remaining);
      // Woken by the first push into an empty backlog: a burst (the broker refilling the
      // prefetch after acks) arrives over several socket reads; let them in, so it is handed
      // out as one bulk rather than a trickle of small ones.
      for (let turn = 0; turn < lingerTurns && this.#backlog.ready && this.#backlog.size < max; turn++) await nextMacrotask();
    }
    return [];
  }

  /** Acknowledges consumed messages; those of an ended channel generation are skipped (the broker delivers them again). */
  cleanup(consumed: RabbitMqMessage<T>[]): void {
    this.#settler.consumed(consumed);
  }

  /**
   * Gives failed messages back: uncharged ones at once and uncounted, charged
   * ones after their backoff (or to the dead letters after `maxReceiveCount`),
   * poison at once to the dead letters. Rejects when a retry or dead letter
   * could not be published (the message stays unacked; a retry of `release()`
   * publishes it again).
   */
  release(failed: RabbitMqMessage<T>[], error: unknown): Promise<ReleaseReport<RabbitMqMessage<T>>> {
    return this.#settler.failed(failed, error);
  }

  /**
   * The consumer gave up settling these (a retry or dead-letter copy kept
   * failing to publish): they go back to the queue at once, uncounted (in
   * ordered mode, to the front of their key's lane), rather than stay unacked
   * on this channel, holding its prefetch, for as long as it lives.
   */
  forget(messages: RabbitMqMessage<T>[]): void {
    this.#settler.forgotten(messages);
  }

  /** Ordered mode: the message's key (see `orderingKey`); undefined when unordered. */
  orderingKey(message: RabbitMqMessage<T>): string | undefined {
    return keyOf(message, this.#options.orderingKey, this.#options.queue);
  }

  /**
   * The queue's depth: `waiting` as the broker counts ready messages, `inFlight`
   * the deliveries this source holds (AMQP does not tell the queue's unacked
   * count), `deadLetters` the dead-letter queue's ready messages.
   */
  /** The trace context a producer put in the headers `traceparent` / `tracestate` (RabbitMqSender's `traceContext`), if any. */
  traceContext(message: RabbitMqMessage<T>): TraceCarrier | undefined {
    return readTraceHeaders((name) => headerText(message.headers[name]));
  }

  /** `{ system: 'rabbitmq', destination: <queue> }` (OpenTelemetry's names). */
  describe(): SourceDescription {
    return { system: 'rabbitmq', destination: this.options.queue };
  }

  async inspect(): Promise<SourceDepth> {
    const link = await this.#connector.connect();
    const channel = await link.model.createChannel();
    channel.on('error', () => {});
    const count = async (queue: string): Promise<number | undefined> => (await channel.checkQueue(queue)).messageCount;
    try {
      const waiting = (await count(this.#options.queue)) ?? 0;
      const deadLetterQueue = this.#options.deadLetterQueue;
      const deadLetters = deadLetterQueue === undefined ? undefined : await count(deadLetterQueue).catch(() => undefined);
      return { waiting, inFlight: this.inFlight, ...(deadLetters === undefined ? {} : { deadLetters }) };
    } catch (error) {
      throw toRabbitMqError(error, `Inspecting queue ${JSON.stringify(this.#options.queue)}`, this.#address.secret);
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /**
   * Stops consuming and closes the connections once the source's own background
   * work is done. Messages not settled yet (waiting, handed out, held for a
   * retry) go back to the queue when the channel closes.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    await this.#faults.settled();
    await this.#connector.close();
    await this.#publisher.close();
  }

  async #setup(link: Link): Promise<void> {
    await declareTopology(link.channel, this.#options, this.#address.secret);
    const prefetch = this.#prefetch.value;
    if (this.#consuming && prefetch !== undefined && !this.#closed) await this.#receiver.consume(link, prefetch);
  }

  /** Consumes on the live link (opening one if needed), in the background; a fatal failure is kept for `get()` to throw. */
  #startConsuming(): void {
    if (this.#starting !== undefined) return;
    this.#fatal = undefined;
    const start = async (): Promise<void> => {
      const link = await this.#connector.connect();
      const prefetch = this.#prefetch.value as number;
      if (link.alive && this.#receiver.generation?.number !== link.generation && !this.#closed)
        await this.#receiver.consume(link, prefetch);
    };
    this.#starting = start()
      .catch((error: unknown) => {
        const failure = toRabbitMqError(error, `Consuming queue ${JSON.stringify(this.#options.queue)}`, this.#address.secret);
        if (isFatal(failure)) this.#fatal = failure;
        else if (!this.#closed) this.#faults.report(failure);
      })
      .finally(() => {
        this.#starting = undefined;
        this.#wake();
      });
  }

  /** Resolves on a delivery (or anything else `#wake` tells), on abort, or after `ms`. */
  #wait(signal: AbortSignal, ms: number): Promise<void> {
    this.#arrivals ??= new Wakeup(this.#options.clock);
    return this.#arrivals.wait(ms, signal);
  }
}
