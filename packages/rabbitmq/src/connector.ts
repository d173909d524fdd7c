import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import type { ConveyorError } from '@conveyor/core';
import { backoffDelay, sleep } from '@conveyor/core/kit';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import type { BrokerAddress } from './broker-address.js';
import { isFatal, toRabbitMqError } from './errors/error-mapping.js';
import { RabbitMqError } from './errors/rabbitmq-error.js';

/**
 * One channel generation: a connection and the channel the source consumes on.
 * It ends when either closes; its unacknowledged deliveries then go back to the
 * queue, and every receipt of this generation is stale.
 */
export interface Link {
  readonly generation: number;
  readonly model: ChannelModel;
  readonly channel: Channel;
  /** False once the connection or the channel closed. */
  readonly alive: boolean;
}

interface MutableLink extends Link {
  channel: Channel;
  alive: boolean;
  established: boolean;
  connectionClosed: boolean;
  lastError: unknown;
}

/** How long closing a connection may take before the source stops waiting (a dead peer never answers). */
const closeTimeoutMs = 2_000;

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** What the connector works with; the source owns each of them. */
export interface ConnectorParts {
  readonly address: BrokerAddress;
  readonly connectionName: string;
  readonly socketOptions: Readonly<Record<string, unknown>>;
  readonly backoff: BackoffPolicy;
  readonly clock: Clock;
  /** Prepares a new link (declarations, consuming); a throw ends it. */
  readonly setup: (link: Link) => Promise<void>;
  /** Called once when a link ends (set up or not). */
  readonly onLost: (link: Link, error: ConveyorError) => void;
  /** A fault recovered from (a failed reconnect attempt, a lost link). */
  readonly report: (error: ConveyorError) => void;
}

/**
 * Keeps the source's connection: opens it with its channel on demand, and after
 * a loss (broker restart, network, a channel the broker closed) opens a new one
 * with the kit's backoff between attempts, each a new generation. Failures that
 * retrying cannot fix (access refused, no such vhost, a declaration that
 * differs) end the attempts and reject `connect()`; the next call tries again.
 */
export class Connector {
  readonly #parts: ConnectorParts;
  readonly #closing = new AbortController();
  #generation = 0;
  #link: MutableLink | undefined;
  #connecting: Promise<Link> | undefined;
  /** Reconnect at once after a loss (set once the source consumes). */
  keepConnected = false;

  constructor(parts: ConnectorParts) {
    this.#parts = parts;
  }

  /** The live link, if any. */
  get link(): Link | undefined {
    return this.#link;
  }

  /** The live link, or the one being opened; rejects with a fatal error or when closed. */
  connect(): Promise<Link> {
    if (this.#link !== undefined) return Promise.resolve(this.#link);
    this.#connecting ??= this.#attempts().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /** Ends the link (its unacknowledged deliveries go back to the queue) and stops reconnecting. */
  async close(): Promise<void> {
    this.#closing.abort();
    const link = this.#link;
    await this.#connecting?.catch(() => {});
    if (link !== undefined) await this.#end(link, new RabbitMqError('RABBITMQ_CONNECTION', 'The source closed its connection'));
  }

  async #attempts(): Promise<Link> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closing.signal.aborted) throw new RabbitMqError('RABBITMQ_CONNECTION', 'The source is closed');
      try {
        return await this.#open();
      } catch (error) {
        const failure = toRabbitMqError(error, `Connecting to ${this.#parts.address.display}`, this.#parts.address.secret);
        if (isFatal(failure) || this.#closing.signal.aborted) throw failure;
        this.#parts.report(failure);
        await sleep(backoffDelay(attempt, this.#parts.backoff), this.#closing.signal, this.#parts.clock);
      }
    }
  }

  async #open(): Promise<Link> {
    const { address, connectionName, socketOptions } = this.#parts;
    const model = await amqp.connect(address.url, { ...socketOptions, clientProperties: { connection_name: connectionName } });
    const link: MutableLink = {
      generation: ++this.#generation,
      model,
      channel: undefined as unknown as Channel,
      alive: true,
      established: false,
      connectionClosed: false,
      lastError: undefined,
    };
    // Without an 'error' listener, amqplib would take a channel error to the connection.
    model.on('error', (error: unknown) => (link.lastError ??= error));
    model.on('close', (error?: unknown) => {
      link.connectionClosed = true;
      void this.#end(link, error ?? link.lastError);
    });
    try {
      const channel = await model.createChannel();
      link.channel = channel;
      channel.on('error', (error: unknown) => (link.lastError ??= error));
      // A closing connection closes its channels first and tells why after: wait a turn for the reason.
      channel.on('close', () => void setImmediate(() => void this.#end(link, link.lastError)));
      await this.#parts.setup(link);
    } catch (error) {
      await this.#end(link, error);
      throw error;
    }
    if (!link.alive) throw toRabbitMqError(link.lastError ?? new Error('closed while opening'), 'Opening the channel', address.secret);
    if (this.#closing.signal.aborted) {
      await this.#end(link, undefined);
      throw new RabbitMqError('RABBITMQ_CONNECTION', 'The source is closed');
    }
    link.established = true;
    this.#link = link;
    return link;
  }

  /** Ends `link` once: tells the source, closes what is left of it, reconnects if it was the live one. */
  async #end(link: MutableLink, cause: unknown): Promise<void> {
    if (!link.alive) return;
    link.alive = false;
    const wasLive = this.#link === link;
    if (wasLive) this.#link = undefined;
    const { address } = this.#parts;
    const error =
      cause === undefined
        ? new RabbitMqError('RABBITMQ_CONNECTION', `The connection to ${address.display} closed`)
        : toRabbitMqError(cause, `The connection to ${address.display}`, address.secret);
    this.#parts.onLost(link, error);
    if (wasLive && !this.#closing.signal.aborted) this.#parts.report(error);
    if (wasLive && this.keepConnected && !this.#closing.signal.aborted) {
      this.connect().catch((failure: unknown) => {
        if (!this.#closing.signal.aborted) this.#parts.report(failure as ConveyorError);
      });
    }
    // A connection the broker closed is closed already (close() would wait for an answer that never comes).
    if (link.connectionClosed) return;
    // The channel first: amqplib interleaves the frames of its channels, so a connection.close
    // could overtake acks still buffered on the channel; the channel's own close comes after them.
    if (link.channel !== undefined)
      await withTimeout(
        link.channel.close().catch(() => {}),
        closeTimeoutMs,
      );
    await withTimeout(
      link.model.close().catch(() => {}),
      closeTimeoutMs,
    );
  }
}
