import type { MessageAttributeValue, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { TraceCarrier } from '@conveyor/core';
import { describeValue } from '@conveyor/core/kit';
import { withTraceContext } from './trace-attributes.js';
import type { SqsSendFailure } from './errors/sqs-send-error.js';
import type { SqsMessageAttribute } from './sqs-message.js';
import type { ResolvedSqsSenderOptions } from './sqs-sender-options.js';
import { maxDelaySeconds } from './sqs-sender-options.js';

/** A message attribute to send: a string (`String`), a number (`Number`), or the received shape (binary as base64). */
export type SqsOutgoingAttribute = string | number | SqsMessageAttribute;

/** One message for `SqsSender.sendMessages()`: its body and what SQS lets a producer set. */
export interface SqsOutgoingMessage<T = string> {
  /** A string with `bodyFormat: 'text'`, any JSON value with `'json'`. */
  readonly body: T;
  /** `MessageGroupId` (FIFO queues; fair queues too). @default the sender's `groupId` */
  readonly groupId?: string;
  /** `MessageDeduplicationId` (FIFO queues). @default the sender's `deduplicationId(body, text)`, else none (content-based deduplication) */
  readonly deduplicationId?: string;
  /** Seconds before the message can be received (0–900; standard queues only). @default the sender's `delaySeconds` */
  readonly delaySeconds?: number;
  /** Message attributes (SQS allows 10). */
  readonly messageAttributes?: Readonly<Record<string, SqsOutgoingAttribute>>;
  /**
   * W3C trace context sent as the attributes `traceparent` / `tracestate` (the
   * consumer's process spans link to it). @default the sender's `traceContext()`
   */
  readonly traceContext?: TraceCarrier;
}

/** A message ready to send: its request entry (the call adds `Id`), its size, and its place in the input. */
export interface PreparedMessage {
  readonly index: number;
  readonly entry: Omit<SendMessageBatchRequestEntry, 'Id'>;
  /** Bytes SQS counts against the batch limit: the body and the attributes. */
  readonly bytes: number;
}

/** SQS allows at most 10 message attributes. */
const maxMessageAttributes = 10;

/**
 * Turns messages into request entries, the sender's defaults applied; the group and
 * deduplication ids are computed here, once, so a retried entry keeps them. Returns
 * the refused ones as failures (a body that is not a string or not JSON, a FIFO
 * message without a group...): nothing is sent when there is one.
 */
export function prepareMessages<T>(
  messages: readonly SqsOutgoingMessage<T>[],
  options: ResolvedSqsSenderOptions<T>,
  traceContext?: TraceCarrier,
): { prepared: PreparedMessage[]; refused: SqsSendFailure[] } {
  const prepared: PreparedMessage[] = [];
  const refused: SqsSendFailure[] = [];
  messages.forEach((message, index) => {
    try {
      prepared.push(prepare(message, index, options, traceContext));
    } catch (error) {
      refused.push({
        index,
        awsCode: 'InvalidMessage',
        senderFault: true,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
  return { prepared, refused };
}

function prepare<T>(
  message: SqsOutgoingMessage<T>,
  index: number,
  options: ResolvedSqsSenderOptions<T>,
  traceContext: TraceCarrier | undefined,
): PreparedMessage {
  if (message === null || typeof message !== 'object') throw new Error(`expected { body, ... }, got ${describeValue(message)}`);
  const text = encode(message.body, options.bodyFormat);
  const groupId = message.groupId ?? options.groupId?.(message.body, index);
  if (groupId !== undefined && (typeof groupId !== 'string' || groupId === '')) {
    throw new Error(`the group id must be a non-empty string, got ${describeValue(groupId)}`);
  }
  if (options.fifo && groupId === undefined)
    throw new Error('a FIFO queue needs a group id: give `groupId` (an option of the sender, or per message)');
  const deduplicationId = message.deduplicationId ?? (options.fifo ? options.deduplicationId?.(message.body, text) : undefined);
  if (deduplicationId !== undefined && (typeof deduplicationId !== 'string' || deduplicationId === '')) {
    throw new Error(`the deduplication id must be a non-empty string, got ${describeValue(deduplicationId)}`);
  }
  const delaySeconds = message.delaySeconds ?? options.delaySeconds;
  if (delaySeconds !== undefined && (!Number.isSafeInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > maxDelaySeconds)) {
    throw new Error(`delaySeconds must be an integer from 0 to ${maxDelaySeconds}, got ${describeValue(delaySeconds)}`);
  }
  const given = withTraceContext(message.messageAttributes, message.traceContext ?? traceContext, maxMessageAttributes);
  const attributes = given === undefined ? undefined : toAwsAttributes(given);
  const entry: Omit<SendMessageBatchRequestEntry, 'Id'> = {
    MessageBody: text,
    ...(groupId === undefined ? {} : { MessageGroupId: groupId }),
    ...(deduplicationId === undefined ? {} : { MessageDeduplicationId: deduplicationId }),
    ...(delaySeconds === undefined ? {} : { DelaySeconds: delaySeconds }),
    ...(attributes === undefined ? {} : { MessageAttributes: attributes }),
  };
  const bytes = Buffer.byteLength(text) + attributeBytes(attributes);
  if (bytes > options.maxMessageBytes) {
    throw new Error(
      `the message is ${bytes} bytes (body and attributes); the queue takes at most ${options.maxMessageBytes} (\`maxMessageBytes\`): ` +
        'store large payloads elsewhere (S3) and send a reference',
    );
  }
  return { index, entry, bytes };
}

function encode(body: unknown, format: 'text' | 'json'): string {
  let text: unknown = body;
  if (format === 'json') {
    try {
      text = JSON.stringify(body);
    } catch (error) {
      throw new Error(`the body cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (text === undefined) throw new Error(`the body cannot be written as JSON: ${describeValue(body)}`);
  } else if (typeof body !== 'string') {
    throw new Error(`with bodyFormat 'text' a body is a string, got ${describeValue(body)} (bodyFormat: 'json' sends JSON)`);
  }
  if (text === '') throw new Error('the body is empty (SQS needs at least one character)');
  return text as string;
}

function toAwsAttributes(attributes: Readonly<Record<string, SqsOutgoingAttribute>>): Record<string, MessageAttributeValue> {
  const entries = Object.entries(attributes);
  if (entries.length > maxMessageAttributes) throw new Error(`${entries.length} message attributes (SQS allows ${maxMessageAttributes})`);
  const converted: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    if (typeof value === 'string') converted[name] = { DataType: 'String', StringValue: value };
    else if (typeof value === 'number' && Number.isFinite(value)) converted[name] = { DataType: 'Number', StringValue: String(value) };
    else if (value !== null && typeof value === 'object' && typeof value.dataType === 'string') {
      const attribute: MessageAttributeValue = { DataType: value.dataType };
      if (value.stringValue !== undefined) attribute.StringValue = value.stringValue;
      if (value.binaryValue !== undefined) attribute.BinaryValue = Buffer.from(value.binaryValue, 'base64');
      converted[name] = attribute;
    } else {
      throw new Error(
        `message attribute ${JSON.stringify(name)} must be a string, a finite number or { dataType, stringValue | binaryValue }, got ${describeValue(value)}`,
      );
    }
  }
  return converted;
}

/** What SQS counts of an attribute: its name, its type and its value. */
function attributeBytes(attributes: Record<string, MessageAttributeValue> | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += value.StringValue === undefined ? 0 : Buffer.byteLength(value.StringValue);
    bytes += value.BinaryValue?.byteLength ?? 0;
  }
  return bytes;
}
