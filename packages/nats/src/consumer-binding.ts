import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import type { Consumer, ConsumerConfig, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConveyorError } from '@conveyor/core';
import { toNatsError } from './errors/error-mapping.js';
import { NatsConsumerConfigError } from './errors/nats-consumer-config-error.js';
import type { ConsumerConfigDifference } from './errors/nats-consumer-config-error.js';
import { NatsError } from './errors/nats-error.js';
import type { ResolvedNatsSourceOptions } from './nats-source-options.js';
import { natsSourceDefaults } from './nats-source-options.js';

/** What the source works with once it is connected and bound to its consumer. */
export interface Bound {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly consumer: Consumer;
  /** The consumer's `ack_wait` in ms: the lease of every delivery. */
  readonly ackWait: number;
  /** The stream that keeps the dead letters (the one that captures the dead-letter subject). */
  readonly deadLetterStream: string;
}

const nanosPerMs = 1_000_000;

/**
 * Connects (or takes the given connection) and binds the source to its stream
 * and durable pull consumer, creating what is absent when `create` is on, and
 * checking that an existing consumer does not contradict the options. Done once,
 * on first use; a failure is thrown and the next call tries again.
 */
export class ConsumerBinding {
  readonly #options: ResolvedNatsSourceOptions;
  #pending: Promise<Bound> | undefined;
  #bound: Bound | undefined;
  #owned: NatsConnection | undefined;
  #closed = false;

  constructor(options: ResolvedNatsSourceOptions) {
    this.#options = options;
  }

  /** The binding once made (leases need the consumer's `ack_wait`). */
  get current(): Bound | undefined {
    return this.#bound;
  }

  /** The bound consumer, binding first if needed. */
  resolve(): Promise<Bound> {
    if (this.#closed) return Promise.reject(new NatsError('NATS_CONNECTION', 'bind', 'The NatsSource is closed'));
    // A connection the source owns is only closed by close() (it reconnects for ever); a given one may be closed by its owner.
    if (this.#bound !== undefined && this.#bound.connection.isClosed()) {
      this.#bound = undefined;
      this.#pending = undefined;
    }
    this.#pending ??= this.#bind().then(
      (bound) => (this.#bound = bound),
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }

  /** Closes the connection if the source opened it. */
  async close(): Promise<void> {
    this.#closed = true;
    const owned = this.#owned;
    this.#owned = undefined;
    if (owned !== undefined && !owned.isClosed()) await owned.close().catch(() => {});
  }

  async #bind(): Promise<Bound> {
    const connection = await this.#connect();
    try {
      const jsm = await jetstreamManager(connection);
      const js = jetstream(connection);
      await this.#ensureStream(jsm);
      const config = await this.#ensureConsumer(jsm);
      const deadLetterStream = await this.#ensureDeadLetters(jsm);
      const consumer = await js.consumers.get(this.#options.stream, this.#options.consumer);
      return { connection, js, jsm, consumer, ackWait: (config.ack_wait ?? 30e9) / nanosPerMs, deadLetterStream };
    } catch (error) {
      throw toNatsError(error, 'bind');
    }
  }

  async #connect(): Promise<NatsConnection> {
    const given = this.#options.connection;
    if (given !== undefined) {
      if (given.isClosed()) throw new NatsError('NATS_CONNECTION', 'connect', 'The NATS connection given to the NatsSource is closed');
      return given;
    }
    if (this.#owned !== undefined && !this.#owned.isClosed()) return this.#owned;
    try {
      this.#owned = await connect({ ...this.#options.connectionOptions, servers: [...this.#options.servers] });
    } catch (error) {
      throw toNatsError(error, 'connect');
    }
    if (this.#closed) {
      await this.#owned.close();
      throw new NatsError('NATS_CONNECTION', 'connect', 'The NatsSource was closed while connecting');
    }
    return this.#owned;
  }

  async #ensureStream(jsm: JetStreamManager): Promise<void> {
    const { stream, create, subjects } = this.#options;
    if (await exists(() => jsm.streams.info(stream))) return;
    if (!create) throw notFound(`JetStream stream ${stream} does not exist (and \`create\` is off)`);
    // A queue: acknowledged messages leave the stream.
    await jsm.streams.add({ name: stream, subjects: [...subjects], retention: RetentionPolicy.Workqueue });
  }

  async #ensureDeadLetters(jsm: JetStreamManager): Promise<string> {
    const { deadLetter, create, stream } = this.#options;
    try {
      return await jsm.streams.find(deadLetter.subject);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const description = `no JetStream stream captures the dead-letter subject ${deadLetter.subject}`;
    if (!create) throw notFound(`${description} (and \`create\` is off)`);
    if (await exists(() => jsm.streams.info(deadLetter.stream))) {
      throw notFound(`${description}: stream ${deadLetter.stream} exists with other subjects`);
    }
    const defaultSubject = deadLetter.subject.startsWith(`dead-letters.${stream}.`);
    const subjects = defaultSubject ? [`dead-letters.${stream}.>`] : [deadLetter.subject];
    await jsm.streams.add({ name: deadLetter.stream, subjects });
    return deadLetter.stream;
  }

  async #ensureConsumer(jsm: JetStreamManager): Promise<Partial<ConsumerConfig>> {
    const options = this.#options;
    let existing: Partial<ConsumerConfig> | undefined;
    try {
      existing = (await jsm.consumers.info(options.stream, options.consumer)).config;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (existing !== undefined) {
      const differences = compareConsumer(existing, options);
      if (differences.length > 0) throw new NatsConsumerConfigError(options.stream, options.consumer, differences);
      return existing;
    }
    if (!options.create) throw notFound(`JetStream consumer ${options.stream}/${options.consumer} does not exist (and \`create\` is off)`);
    const config: Partial<ConsumerConfig> = {
      durable_name: options.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (options.ackWait ?? natsSourceDefaults.ackWait) * nanosPerMs,
      // The source dead-letters after maxReceiveCount charged failures; a server-side limit
      // would strand a message whose last delivery's consumer crashed (see the README).
      max_deliver: -1,
      max_ack_pending: options.maxAckPending ?? natsSourceDefaults.maxAckPending,
      ...(options.filterSubject === undefined ? {} : { filter_subject: options.filterSubject }),
    };
    const info = await jsm.consumers.add(options.stream, config);
    // Another source may have created it first, with other settings: check what is there.
    const differences = compareConsumer(info.config, options);
    if (differences.length > 0) throw new NatsConsumerConfigError(options.stream, options.consumer, differences);
    return info.config;
  }
}

/** Where an existing consumer contradicts the options. */
export function compareConsumer(config: Partial<ConsumerConfig>, options: ResolvedNatsSourceOptions): ConsumerConfigDifference[] {
  const differences: ConsumerConfigDifference[] = [];
  const differ = (field: string, expected: string, actual: unknown) =>
    differences.push({ field, expected, actual: actual === undefined ? 'none' : JSON.stringify(actual) });
  if (config.deliver_subject !== undefined && config.deliver_subject !== '') {
    differ('deliver_subject', 'none (a pull consumer)', config.deliver_subject);
  }
  if (config.ack_policy !== AckPolicy.Explicit) differ('ack_policy', '"explicit"', config.ack_policy);
  if (options.filterSubject !== undefined && config.filter_subject !== options.filterSubject) {
    differ('filter_subject', JSON.stringify(options.filterSubject), config.filter_subject);
  }
  if (options.ackWait !== undefined && config.ack_wait !== options.ackWait * nanosPerMs) {
    differ('ack_wait', `${options.ackWait * nanosPerMs} ns (ackWait ${options.ackWait} ms)`, config.ack_wait);
  }
  if (options.maxAckPending !== undefined && config.max_ack_pending !== options.maxAckPending) {
    differ('max_ack_pending', String(options.maxAckPending), config.max_ack_pending);
  }
  const maxDeliver = config.max_deliver ?? -1;
  if (maxDeliver > 0 && !(maxDeliver > options.maxReceiveCount)) {
    const limit = Number.isFinite(options.maxReceiveCount) ? `more than maxReceiveCount (${options.maxReceiveCount})` : 'none';
    differ('max_deliver', `-1 or ${limit}, so the source dead-letters before the server stops delivering`, maxDeliver);
  }
  return differences;
}

async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return toNatsError(error, 'bind').code === 'NATS_NOT_FOUND' || /no stream matches subject/i.test(String(error));
}

function notFound(message: string): ConveyorError {
  return new NatsError('NATS_NOT_FOUND', 'bind', message);
}
