import { isPoison, isUncharged, backoffDelay } from '@conveyor/core/kit';
import type { Backlog } from './backlog.js';
import { copyOptions, deadLetterHeaders, retryHeaders } from './copies.js';
import type { Original } from './copies.js';
import type { DeadLetterReason } from './conveyor-headers.js';
import type { Delivery } from './delivery.js';
import type { Generation } from './generation.js';
import type { Publication, Publisher } from './publisher.js';
import type { RabbitMqMessage } from './rabbitmq-message.js';
import type { ReleaseReport } from '@conveyor/core';
import type { EmitRabbitMqSourceEvent } from './rabbitmq-source-events.js';
import type { ResolvedRabbitMqSourceOptions } from './rabbitmq-source-options.js';
import { retryRoute } from './topology.js';

/** What the settler works with; the source owns each of them. */
export interface SettlerParts<T> {
  readonly options: ResolvedRabbitMqSourceOptions;
  readonly publisher: Publisher;
  readonly backlog: Backlog<T>;
  /** The live generation, if any. */
  readonly current: () => Generation<T> | undefined;
  /** Something became ready in the backlog. */
  readonly wake: () => void;
  readonly emit: EmitRabbitMqSourceEvent;
}

/** A delivery to dead-letter: a decoded one, or one whose body did not decode. */
export type DeadLetter = Original & { readonly tag: number; readonly failures: number };

/**
 * Settles deliveries on their channel generation (never on another: a stale
 * receipt is skipped, the broker delivered that message again already):
 * - consumed: acked, with one `multiple` ack where the tags are contiguous;
 * - uncharged failures: back at once, uncounted (`basic.nack` with requeue; in
 *   ordered mode put back at the head of their key without leaving the source);
 * - charged failures: a copy with `x-conveyor-failures` + 1 goes to the delay
 *   queue of its backoff level, then the original is acked (ordered mode: held
 *   in place, unacked, through the backoff, then handed out again);
 * - poison, and charged failures at `maxReceiveCount`: a copy goes to the
 *   dead-letter exchange with the last error in its headers, then the original is acked.
 * A copy is published with confirms before its original is acked: a crash in
 * between delivers the message twice, never zero times.
 */
export class Settler<T> {
  readonly #parts: SettlerParts<T>;
  /** Ordered mode: deliveries held in place for their retry backoff (their timer puts them back). */
  readonly #held = new WeakSet<Delivery<T>>();

  constructor(parts: SettlerParts<T>) {
    this.#parts = parts;
  }

  consumed(messages: readonly RabbitMqMessage<T>[]): void {
    const generation = this.#parts.current();
    if (generation === undefined) return;
    const tags: number[] = [];
    for (const message of messages) {
      const delivery = this.#own(generation, message);
      if (delivery === undefined) continue;
      tags.push(delivery.tag);
      this.#parts.backlog.settled(delivery);
    }
    generation.ack(tags);
    if (this.#parts.backlog.ready) this.#parts.wake();
  }

  /**
   * The consumer gave up settling these: the open ones go back as an uncharged
   * failure would; those held for their retry backoff are left to their timer.
   */
  forgotten(messages: readonly RabbitMqMessage<T>[]): void {
    const generation = this.#parts.current();
    if (generation === undefined) return;
    const deliveries: Delivery<T>[] = [];
    for (const message of messages) {
      const delivery = this.#own(generation, message);
      if (delivery !== undefined && !this.#held.has(delivery) && this.#parts.backlog.isOut(delivery)) deliveries.push(delivery);
    }
    if (deliveries.length > 0) this.#giveBack(generation, deliveries);
  }

  /** Settles failed messages; resolves with those it moved to the dead letters (ordered lanes then move on). */
  async failed(messages: readonly RabbitMqMessage<T>[], error: unknown): Promise<ReleaseReport<RabbitMqMessage<T>>> {
    const generation = this.#parts.current();
    const none: ReleaseReport<RabbitMqMessage<T>> = { deadLettered: [] };
    if (generation === undefined) return none;
    const owned = new Map<Delivery<T>, RabbitMqMessage<T>>();
    for (const message of messages) {
      const delivery = this.#own(generation, message);
      if (delivery !== undefined) owned.set(delivery, message);
    }
    const deliveries = [...owned.keys()];
    if (deliveries.length === 0) return none;
    const { options } = this.#parts;
    if (isUncharged(error)) {
      this.#giveBack(generation, deliveries);
      return none;
    }
    const report = (dead: readonly DeadLetter[]): ReleaseReport<RabbitMqMessage<T>> => ({
      deadLettered: dead.map((delivery) => owned.get(delivery as Delivery<T>) as RabbitMqMessage<T>),
    });
    if (isPoison(error)) return report(await this.deadLetter(generation, deliveries, 'poison', error));
    const dead = deliveries.filter((delivery) => delivery.failures + 1 >= options.maxReceiveCount);
    const retried = deliveries.filter((delivery) => delivery.failures + 1 < options.maxReceiveCount);
    const deadLettering = dead.length > 0 ? this.deadLetter(generation, dead, 'max-receive-count', error, 1) : Promise.resolve([]);
    const retrying =
      retried.length === 0
        ? Promise.resolve()
        : options.orderingKey === undefined
          ? this.#retry(generation, retried, error)
          : this.#hold(generation, retried);
    const [deadLettered, retriedAll] = await Promise.allSettled([deadLettering, retrying]);
    if (deadLettered.status === 'rejected') throw deadLettered.reason;
    if (retriedAll.status === 'rejected') throw retriedAll.reason;
    return report(deadLettered.value);
  }

  /**
   * Publishes copies of `deliveries` to the dead-letter exchange, then acks them.
   * `charged` is added to their failure count (1 when this failure counts).
   */
  async deadLetter(
    generation: Generation<T>,
    deliveries: readonly DeadLetter[],
    reason: DeadLetterReason,
    error: unknown,
    charged = 0,
  ): Promise<DeadLetter[]> {
    const { options, publisher } = this.#parts;
    const publications: Publication[] = deliveries.map((delivery) => ({
      exchange: options.deadLetterExchange,
      routingKey: options.deadLetterRoutingKey,
      content: delivery.raw.content,
      options: copyOptions(delivery, deadLetterHeaders(delivery.failures + charged, error, reason, options.queue)),
    }));
    const { confirmed, failure } = this.#published(generation, deliveries, await publisher.publishEach(publications));
    for (const delivery of confirmed)
      this.#parts.emit('deadLettered', { id: delivery.id, failures: delivery.failures + charged }, reason, error);
    if (failure !== undefined) throw failure;
    return confirmed;
  }

  #giveBack(generation: Generation<T>, deliveries: readonly Delivery<T>[]): void {
    if (this.#parts.options.orderingKey === undefined) {
      generation.requeue(deliveries.map((delivery) => delivery.tag));
      return;
    }
    for (const delivery of deliveries) this.#parts.backlog.putBack(delivery);
    this.#parts.wake();
  }

  async #retry(generation: Generation<T>, deliveries: readonly Delivery<T>[], error: unknown): Promise<void> {
    const { options, publisher } = this.#parts;
    const routes = deliveries.map((delivery) => retryRoute(options, delivery.failures + 1));
    const declarations = new Map(
      routes.filter((route) => route.declaration !== undefined).map((route) => [route.queue, route.declaration]),
    );
    for (const [queue, declaration] of declarations) await publisher.assertQueue(queue, declaration ?? {});
    const publications = deliveries.map((delivery, index): Publication => {
      const route = routes[index] as (typeof routes)[number];
      return {
        exchange: '',
        routingKey: route.queue,
        content: delivery.raw.content,
        options: copyOptions(delivery, retryHeaders(delivery.failures + 1, error), route.delayMs > 0 ? route.delayMs : undefined),
      };
    });
    const { failure } = this.#published(generation, deliveries, await publisher.publishEach(publications));
    if (failure !== undefined) throw failure;
  }

  /** Ordered mode: each stays unacked, its key busy, until its backoff is over; then it is handed out first. */
  async #hold(generation: Generation<T>, deliveries: readonly Delivery<T>[]): Promise<void> {
    const { options, backlog, wake } = this.#parts;
    for (const delivery of deliveries) {
      // A release tried again (the dead-letter part of its call failed) finds these held or put back already.
      if (this.#held.has(delivery) || !backlog.isOut(delivery)) continue;
      delivery.failures++;
      delivery.message = { ...delivery.message, receiveCount: delivery.failures + 1, redelivered: true };
      const delay = options.retryBackoff === false ? 0 : backoffDelay(delivery.failures, options.retryBackoff);
      if (delay <= 0) {
        backlog.putBack(delivery);
        continue;
      }
      this.#held.add(delivery);
      const timer = options.clock.setTimeout(() => {
        generation.untrack(timer);
        this.#held.delete(delivery);
        if (!generation.isOpen(delivery.tag)) return;
        backlog.putBack(delivery);
        wake();
      }, delay);
      generation.track(timer);
    }
    if (backlog.ready) wake();
    return Promise.resolve();
  }

  /**
   * Acks the deliveries whose copy the broker confirmed; the others stay open,
   * so a retry of the release publishes only them. Returns the first failure.
   */
  #published<D extends DeadLetter>(
    generation: Generation<T>,
    deliveries: readonly D[],
    outcomes: readonly (Error | undefined)[],
  ): { confirmed: D[]; failure: Error | undefined } {
    const confirmed = deliveries.filter((_, index) => outcomes[index] === undefined);
    this.#finished(generation, confirmed);
    return { confirmed, failure: outcomes.find((outcome) => outcome !== undefined) };
  }

  #finished(generation: Generation<T>, deliveries: readonly DeadLetter[]): void {
    const tags = deliveries.map((delivery) => delivery.tag);
    for (const delivery of deliveries) {
      const open = generation.find(delivery.tag);
      if (open !== undefined) this.#parts.backlog.settled(open);
    }
    generation.ack(tags);
    if (this.#parts.backlog.ready) this.#parts.wake();
  }

  /** The open delivery a message's receipt names on `generation`; undefined when stale or settled. */
  #own(generation: Generation<T>, message: RabbitMqMessage<T>): Delivery<T> | undefined {
    const receipt = message.receipt as Partial<RabbitMqMessage<T>['receipt']> | undefined;
    if (receipt?.generation !== generation.number || typeof receipt.deliveryTag !== 'number') return undefined;
    return generation.find(receipt.deliveryTag);
  }
}
