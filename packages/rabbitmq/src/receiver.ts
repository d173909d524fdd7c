import type { ConsumeMessage } from 'amqplib';
import { ConveyorError } from '@conveyor/core';
import { backoffDelay } from '@conveyor/core/kit';
import type { Backlog } from './backlog.js';
import type { DeadLetterReason } from './conveyor-headers.js';
import type { Link } from './connector.js';
import { isUndecodable, readDelivery } from './delivery.js';
import type { Faults } from './faults.js';
import { RabbitMqError } from './errors/rabbitmq-error.js';
import { Generation } from './generation.js';
import type { EmitRabbitMqSourceEvent } from './rabbitmq-source-events.js';
import type { ResolvedRabbitMqSourceOptions } from './rabbitmq-source-options.js';
import type { DeadLetter, Settler } from './settler.js';

/** What the receiver works with; the source owns each of them. */
export interface ReceiverParts<T> {
  readonly options: ResolvedRabbitMqSourceOptions;
  readonly backlog: Backlog<T>;
  readonly settler: Settler<T>;
  readonly faults: Faults;
  readonly emit: EmitRabbitMqSourceEvent;
  /** Something became ready in the backlog. */
  readonly wake: () => void;
}

/**
 * Consumes the queue on a link (`basic.qos` with the prefetch, `basic.consume`
 * with manual acks) and takes each delivery in: a body that decodes goes to the
 * backlog; one that does not, or a message received more often than
 * `maxReceiveCount` allows, goes to the dead letters at once, in the background.
 */
export class Receiver<T> {
  readonly #parts: ReceiverParts<T>;
  #generation: Generation<T> | undefined;

  constructor(parts: ReceiverParts<T>) {
    this.#parts = parts;
  }

  /** The generation consuming now, if any. */
  get generation(): Generation<T> | undefined {
    return this.#generation?.alive === true ? this.#generation : undefined;
  }

  /** Starts consuming on `link` with `prefetch`: a new generation. */
  async consume(link: Link, prefetch: number): Promise<void> {
    // Checked before the generation is set: a link that ends from now on tells `lost()`, which ends it.
    if (!link.alive) throw new RabbitMqError('RABBITMQ_CHANNEL', 'The channel closed before the source could consume on it');
    const generation = new Generation<T>(link.generation, link.channel);
    this.#generation = generation;
    await link.channel.prefetch(prefetch, false);
    await link.channel.consume(this.#parts.options.queue, (raw) => this.#take(link, generation, raw), { noAck: false });
    this.#parts.emit('connected', { generation: link.generation });
  }

  /** `link` ended: drop its generation's backlog (the broker delivers it again). */
  lost(link: Link, error: ConveyorError): void {
    const generation = this.#generation;
    if (generation === undefined || generation.number !== link.generation) return;
    generation.end();
    this.#generation = undefined;
    this.#parts.backlog.clear();
    this.#parts.emit('disconnected', { generation: link.generation, error });
  }

  #take(link: Link, generation: Generation<T>, raw: ConsumeMessage | null): void {
    if (!generation.alive) return;
    if (raw === null) {
      // The broker cancelled the consumer (its queue was deleted): start over on a new connection.
      const queue = JSON.stringify(this.#parts.options.queue);
      this.#parts.faults.report(new RabbitMqError('RABBITMQ_CHANNEL', `The broker cancelled the consumer of queue ${queue} (deleted?)`));
      void link.model.close().catch(() => {});
      return;
    }
    const { options, backlog, emit } = this.#parts;
    const delivery = readDelivery<T>(raw, generation.number, options.bodyFormat, options.orderingKey, options.queue);
    if (isUndecodable(delivery)) {
      generation.delivered(delivery.tag);
      emit('invalidBody', { id: delivery.id, failures: delivery.failures }, delivery.error);
      this.#deadLetterNow(generation, delivery, 'bad-body', delivery.error);
      return;
    }
    generation.delivered(delivery.tag, delivery);
    if (delivery.message.receiveCount > options.maxReceiveCount) {
      // Counted past the limit (the limit was lowered since): it would only fail again.
      const error = new ConveyorError(
        'RABBITMQ_MAX_RECEIVES',
        `Message ${delivery.id} failed ${delivery.failures} times (maxReceiveCount is ${options.maxReceiveCount})`,
      );
      this.#deadLetterNow(generation, delivery, 'max-receive-count', error);
      return;
    }
    backlog.push(delivery);
    this.#parts.wake();
  }

  /**
   * Dead-letters a delivery no handler will see, in the background. When the
   * copy cannot be published (the broker refused it, the publisher's connection
   * is down), no consumer retries it as it retries a release: it is tried again
   * here, after `reconnectBackoff`, for as long as the delivery is open on this
   * channel, rather than left unacked for good (enough such would stop
   * consumption). Not requeued: a quorum queue counts a requeue against its
   * delivery limit, and drops the message past it.
   */
  #deadLetterNow(generation: Generation<T>, delivery: DeadLetter, reason: DeadLetterReason, error: unknown, attempt = 1): void {
    const { options, settler, faults } = this.#parts;
    const deadLettering = settler.deadLetter(generation, [delivery], reason, error).catch((failure: unknown) => {
      if (generation.isOpen(delivery.tag)) {
        const timer = options.clock.setTimeout(
          () => {
            generation.untrack(timer);
            if (generation.isOpen(delivery.tag)) this.#deadLetterNow(generation, delivery, reason, error, attempt + 1);
          },
          backoffDelay(attempt, options.reconnectBackoff),
        );
        generation.track(timer);
      }
      throw failure;
    });
    faults.inBackground(deadLettering);
  }
}
