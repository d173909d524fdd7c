import { once } from 'node:events';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import type { BrokerAddress } from './broker-address.js';
import { toRabbitMqError } from './errors/error-mapping.js';
import { RabbitMqError } from './errors/rabbitmq-error.js';

/** One message to publish. */
export interface Publication {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  /** Must carry a `messageId` when `mandatory` (returns are matched by it). */
  readonly options: Options.Publish;
}

interface PublisherLink {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
  alive: boolean;
  /** Queues asserted on this connection. */
  readonly declared: Map<string, Promise<void>>;
  /** Mandatory publishes awaiting their confirm, by message id: whether the broker returned each. */
  readonly returns: Map<string, boolean[]>;
  lastError: unknown;
}

/**
 * Publishes with publisher confirms on a connection of its own (a publishing
 * connection can be blocked by a broker alarm; the consuming one must go on
 * acknowledging). Opens it on demand and again after a loss; a publish whose
 * confirm never came rejects (`RABBITMQ_PUBLISH`), and a mandatory one the
 * broker could not route rejects with `RABBITMQ_UNROUTABLE`.
 */
export class Publisher {
  readonly #address: BrokerAddress;
  readonly #connectionName: string;
  readonly #socketOptions: Readonly<Record<string, unknown>>;
  #link: PublisherLink | undefined;
  #opening: Promise<PublisherLink> | undefined;
  #closed = false;

  constructor(address: BrokerAddress, connectionName: string, socketOptions: Readonly<Record<string, unknown>>) {
    this.#address = address;
    this.#connectionName = connectionName;
    this.#socketOptions = socketOptions;
  }

  /** Publishes and resolves once the broker confirmed each (they go out in order); rejects with the first failure. */
  async publish(publications: readonly Publication[]): Promise<void> {
    const failure = (await this.publishEach(publications)).find((outcome) => outcome !== undefined);
    if (failure !== undefined) throw failure;
  }

  /**
   * Publishes in order and resolves, once each is confirmed or failed, to one
   * outcome per publication: `undefined` when the broker confirmed it, else the
   * error (so a caller can settle what went through and retry only the rest).
   */
  async publishEach(publications: readonly Publication[]): Promise<(Error | undefined)[]> {
    const link = await this.#open();
    const confirms: Promise<void>[] = [];
    for (const publication of publications) {
      if (!link.alive) break;
      const { confirmed, written } = this.#publishOne(link, publication);
      confirms.push(confirmed);
      // The channel's buffer is full: wait for it to drain rather than buffer without bound.
      if (!written && link.alive) await Promise.race([once(link.channel, 'drain'), once(link.channel, 'close')]);
    }
    const results = await Promise.allSettled(confirms);
    return publications.map((_, index) => {
      const result = results[index];
      if (result === undefined) return this.#lost(link);
      return result.status === 'fulfilled' ? undefined : (result.reason as Error);
    });
  }

  /** Declares a queue once per connection (`assertQueue`); a declaration that differs rejects with `RabbitMqDeclarationError`. */
  async assertQueue(name: string, options: Options.AssertQueue): Promise<void> {
    const link = await this.#open();
    let declared = link.declared.get(name);
    if (declared === undefined) {
      declared = link.channel.assertQueue(name, options).then(
        () => {},
        (error: unknown) => {
          link.declared.delete(name);
          throw toRabbitMqError(error, `Declaring queue ${JSON.stringify(name)}`, this.#address.secret);
        },
      );
      link.declared.set(name, declared);
    }
    await declared;
  }

  /** Closes the connection; publishes still unconfirmed reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const link = this.#link ?? (await this.#opening?.catch(() => undefined));
    this.#link = undefined;
    if (link !== undefined) {
      link.alive = false;
      await link.model.close().catch(() => {});
    }
  }

  #publishOne(link: PublisherLink, publication: Publication): { confirmed: Promise<void>; written: boolean } {
    const { exchange, routingKey, content, options } = publication;
    const messageId = options.mandatory === true ? options.messageId : undefined;
    let returned: boolean[] | undefined;
    if (messageId !== undefined) {
      returned = link.returns.get(messageId);
      if (returned === undefined) link.returns.set(messageId, (returned = []));
      returned.push(false);
    }
    let written = true;
    const confirmed = new Promise<void>((resolve, reject) => {
      try {
        written = link.channel.publish(exchange, routingKey, content, options, (error: unknown) => {
          const wasReturned = messageId === undefined ? false : this.#confirmed(link, messageId);
          if (error !== null && error !== undefined) reject(this.#unconfirmed(link, error));
          else if (wasReturned) reject(unroutable(exchange, routingKey));
          else resolve();
        });
      } catch (error) {
        if (messageId !== undefined) this.#confirmed(link, messageId);
        reject(toRabbitMqError(error, 'Publishing', this.#address.secret));
      }
    });
    return { confirmed, written };
  }

  /** Takes the oldest pending mandatory publish of `messageId` off the books: whether it was returned. */
  #confirmed(link: PublisherLink, messageId: string): boolean {
    const pending = link.returns.get(messageId);
    const returned = pending?.shift() ?? false;
    if (pending !== undefined && pending.length === 0) link.returns.delete(messageId);
    return returned;
  }

  /** Why a publish of `link` was not confirmed: the broker nacked it, or its channel closed first. */
  #unconfirmed(link: PublisherLink, error: unknown): RabbitMqError {
    const cause = link.lastError ?? error;
    const closed = !link.alive || link.lastError !== undefined || /closed/i.test(String((error as Error | undefined)?.message));
    if (!closed) return new RabbitMqError('RABBITMQ_PUBLISH', 'The broker did not confirm a publish (it nacked it)', { cause });
    return this.#lost(link, cause);
  }

  #lost(link: PublisherLink, cause: unknown = link.lastError): RabbitMqError {
    const reason = cause === undefined ? 'its channel closed' : toRabbitMqError(cause, 'The channel', this.#address.secret).message;
    return new RabbitMqError('RABBITMQ_PUBLISH', `A publish was not confirmed: ${reason}`, { cause });
  }

  #open(): Promise<PublisherLink> {
    if (this.#closed) return Promise.reject(new RabbitMqError('RABBITMQ_CONNECTION', 'The publisher is closed'));
    if (this.#link?.alive === true) return Promise.resolve(this.#link);
    this.#opening ??= this.#connect().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #connect(): Promise<PublisherLink> {
    let model: ChannelModel;
    try {
      model = await amqp.connect(this.#address.url, {
        ...this.#socketOptions,
        clientProperties: { connection_name: this.#connectionName },
      });
    } catch (error) {
      throw toRabbitMqError(error, `Connecting to ${this.#address.display}`, this.#address.secret);
    }
    const link: PublisherLink = {
      model,
      channel: undefined as unknown as ConfirmChannel,
      alive: true,
      declared: new Map(),
      returns: new Map(),
      lastError: undefined,
    };
    const end = (): void => {
      link.alive = false;
      if (this.#link === link) this.#link = undefined;
    };
    model.on('error', (error: unknown) => (link.lastError ??= error));
    model.on('close', end);
    try {
      const channel = await model.createConfirmChannel();
      (link as { channel: ConfirmChannel }).channel = channel;
      channel.on('error', (error: unknown) => (link.lastError ??= error));
      channel.on('close', () => {
        end();
        void model.close().catch(() => {});
      });
      channel.on('return', (message: Message) => {
        const messageId: unknown = message.properties.messageId;
        const pending = typeof messageId === 'string' ? link.returns.get(messageId) : undefined;
        const index = pending?.indexOf(false) ?? -1;
        if (pending !== undefined && index >= 0) pending[index] = true;
      });
    } catch (error) {
      end();
      await model.close().catch(() => {});
      throw toRabbitMqError(error, 'Opening a confirm channel', this.#address.secret);
    }
    if (this.#closed) {
      end();
      await model.close().catch(() => {});
      throw new RabbitMqError('RABBITMQ_CONNECTION', 'The publisher is closed');
    }
    this.#link = link;
    return link;
  }
}

function unroutable(exchange: string, routingKey: string): RabbitMqError {
  const target =
    exchange === '' ? `the default exchange (no queue named ${JSON.stringify(routingKey)})` : `exchange ${JSON.stringify(exchange)}`;
  return new RabbitMqError(
    'RABBITMQ_UNROUTABLE',
    `The broker returned a mandatory message: ${target} routed routing key ${JSON.stringify(routingKey)} to no queue`,
  );
}
