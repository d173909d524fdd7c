import { ConveyorError } from '@conveyor/core';
import { RabbitMqDeclarationError } from './rabbitmq-declaration-error.js';
import type { DeclarationDifference } from './rabbitmq-declaration-error.js';
import { RabbitMqError } from './rabbitmq-error.js';
import type { RabbitMqErrorCode } from './rabbitmq-error.js';

// PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received 'classic' but current is 'quorum'
const inequivalent =
  /inequivalent arg '([^']+)' for (queue|exchange) '((?:[^']|'(?! in vhost))*)' in vhost '([^']*)': received (.+?) but current is (.+?)"?$/;

/** Hints for the arguments a Conveyor option sets, so the error says which option to change. */
const optionOf: Readonly<Record<string, string>> = {
  'x-queue-type': '`queueType`',
  'x-single-active-consumer': '`singleActiveConsumer` (set by default with `orderingKey`)',
  durable: 'queues and exchanges of Conveyor are durable',
  type: '`deadLetterExchangeType`',
};

/**
 * Turns what amqplib threw into a `RabbitMqError` (or a `RabbitMqDeclarationError`
 * for `inequivalent arg`), saying what was being done. `secret` (the password)
 * is scrubbed from every message, so no error ever prints it.
 */
export function toRabbitMqError(error: unknown, doing: string, secret?: string): ConveyorError {
  if (error instanceof ConveyorError) return error;
  const raw = scrub(error instanceof Error ? error.message : String(error), secret);
  const replyCode = replyCodeOf(error, raw);
  const match = inequivalent.exec(raw);
  if (match !== null) {
    const [, argument, kind, resource, vhost, given, current] = match as unknown as [
      string,
      string,
      'queue' | 'exchange',
      string,
      string,
      string,
      string,
    ];
    const difference: DeclarationDifference = { kind, resource, vhost, argument, given: clean(given), current: clean(current) };
    const option = optionOf[argument];
    const hint = option === undefined ? 'pass the same arguments (`queueArguments`), or delete it' : `see ${option}, or delete it`;
    return new RabbitMqDeclarationError(difference, hint, error);
  }
  const code = codeOf(error, raw, replyCode);
  return new RabbitMqError(code, `${doing} failed: ${explain(raw)}`, { replyCode, cause: error });
}

/** True for failures that retrying the same call will not fix. */
export function isFatal(error: unknown): boolean {
  if (error instanceof RabbitMqDeclarationError) return true;
  return error instanceof RabbitMqError && (error.code === 'RABBITMQ_ACCESS_REFUSED' || error.code === 'RABBITMQ_NOT_FOUND');
}

/** `text` without `secret`. */
export function scrub(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  let scrubbed = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) scrubbed = scrubbed.split(form).join('***');
  return scrubbed;
}

const channelReplyCodes: ReadonlySet<number> = new Set([311, 312, 313, 405, 406]);

function codeOf(error: unknown, message: string, replyCode: number | undefined): RabbitMqErrorCode {
  if (replyCode === 403 || message.includes('ACCESS_REFUSED') || message.includes('ACCESS-REFUSED')) return 'RABBITMQ_ACCESS_REFUSED';
  if (replyCode === 404 || replyCode === 530 || message.includes('Expected ConnectionOpenOk')) return 'RABBITMQ_NOT_FOUND';
  // The reply codes that close a channel only; every other one (320 CONNECTION_FORCED, 5xx) closes the connection.
  if (replyCode !== undefined && channelReplyCodes.has(replyCode)) return 'RABBITMQ_CHANNEL';
  return 'RABBITMQ_CONNECTION';
}

function replyCodeOf(error: unknown, message: string): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const match = /\b(\d{3}) \([A-Z-]+\)/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

function explain(message: string): string {
  if (message.includes('Expected ConnectionOpenOk')) return `${message} (the vhost does not exist, or the user may not use it)`;
  return message;
}

/** `the value 'true' of type 'bool'` → `'true'`; `none` stays `none`. */
function clean(value: string): string {
  const typed = /^the value (.+) of type '[^']+'$/.exec(value);
  return typed === null ? value : (typed[1] as string);
}
