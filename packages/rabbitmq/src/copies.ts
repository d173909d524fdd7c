import type { Options } from 'amqplib';
import { errorMessage } from '@conveyor/core/kit';
import { conveyorHeaders } from './conveyor-headers.js';
import type { DeadLetterReason } from './conveyor-headers.js';
import type { Delivery } from './delivery.js';

/** What a copy of a delivery is made from (a decoded delivery or an undecodable one). */
export type Original = Pick<Delivery, 'raw' | 'id'>;

/** Headers the broker sets, not carried over to a copy (a copy is a new message to the broker). */
export const brokerHeaders: ReadonlySet<string> = new Set([
  'x-delivery-count',
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
]);

const maxErrorLength = 1_000;

/**
 * The publish options of a copy of `original` (a retry or a dead letter): its
 * properties, persistent, with its id as `message-id` (so a message published
 * without one keeps the id it got), its headers with `extra` set. `user-id` is
 * dropped: the broker checks it against the publishing user.
 */
export function copyOptions(original: Original, extra: Readonly<Record<string, unknown>>, expiration?: number): Options.Publish {
  const properties = original.raw.properties;
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties.headers ?? {})) {
    if (!brokerHeaders.has(name)) headers[name] = value;
  }
  Object.assign(headers, extra);
  const options: Options.Publish = { persistent: true, mandatory: true, messageId: original.id, headers };
  const copied = ['contentType', 'contentEncoding', 'correlationId', 'replyTo', 'timestamp', 'type', 'appId', 'priority'] as const;
  for (const name of copied) {
    const value: unknown = properties[name];
    if (value !== undefined && value !== null) (options as Record<string, unknown>)[name] = value;
  }
  if (expiration !== undefined) options.expiration = String(expiration);
  return options;
}

/** The headers of a retry after the `failures`-th charged failure. */
export function retryHeaders(failures: number, error: unknown): Record<string, unknown> {
  return { [conveyorHeaders.failures]: failures, [conveyorHeaders.lastError]: errorText(error) };
}

/** The headers of a dead letter. */
export function deadLetterHeaders(failures: number, error: unknown, reason: DeadLetterReason, queue: string): Record<string, unknown> {
  return {
    [conveyorHeaders.failures]: failures,
    [conveyorHeaders.lastError]: errorText(error),
    [conveyorHeaders.deadLetterReason]: reason,
    [conveyorHeaders.queue]: queue,
  };
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${errorMessage(error)}` : errorMessage(error);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text;
}
