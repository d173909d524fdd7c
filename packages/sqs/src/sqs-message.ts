import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { DeliveredMessage } from '@conveyor/core/kit';

/**
 * A message attribute as the source delivers it. Binary values are base64
 * strings, so a message stays plain JSON data and crosses to pool threads intact.
 */
export interface SqsMessageAttribute {
  /** `String`, `Number`, `Binary`, or a custom type like `String.json`. */
  readonly dataType: string;
  readonly stringValue?: string;
  /** Base64 of the binary value. */
  readonly binaryValue?: string;
}

/**
 * A message received from SQS, as handlers see it: a `DeliveredMessage` (the
 * glossary's four fields) plus what SQS tells about it. Plain JSON data.
 */
export interface SqsMessage<T = string> extends DeliveredMessage<T, string> {
  /** The SQS `MessageId`: stable across deliveries. */
  readonly id: string;
  /** The SQS receipt handle of this delivery: cleanup and release use it; stale once settled or its visibility timeout ran out. */
  readonly receipt: string;
  /** The body: the raw string, or the parsed value with `bodyFormat: 'json'`. */
  readonly body: T;
  /** Deliveries of this message so far, this one included (SQS's `ApproximateReceiveCount`, which counts every receive). */
  readonly receiveCount: number;
  /** When the message was sent, in ms since the epoch (`SentTimestamp`). */
  readonly sentTimestamp: number;
  /** FIFO queues: the message group (`MessageGroupId`). */
  readonly groupId?: string;
  /** FIFO queues: the order of the message in its queue (`SequenceNumber`). */
  readonly sequenceNumber?: string;
  /** Every system attribute SQS returned (`ApproximateReceiveCount`, `SentTimestamp`, `MessageGroupId`...). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The message attributes the sender set. */
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
}

/** Converts an AWS SDK message into what handlers see; `body` is the already parsed body. */
export function toSqsMessage<T>(raw: Message, body: T): SqsMessage<T> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.Attributes ?? {})) if (typeof value === 'string') attributes[name] = value;
  const message: { -readonly [K in keyof SqsMessage<T>]: SqsMessage<T>[K] } = {
    id: raw.MessageId ?? '',
    receipt: raw.ReceiptHandle ?? '',
    body,
    receiveCount: Number(attributes.ApproximateReceiveCount ?? 1) || 1,
    sentTimestamp: Number(attributes.SentTimestamp ?? 0) || 0,
    attributes,
    messageAttributes: fromAwsAttributes(raw.MessageAttributes),
  };
  if (attributes.MessageGroupId !== undefined) message.groupId = attributes.MessageGroupId;
  if (attributes.SequenceNumber !== undefined) message.sequenceNumber = attributes.SequenceNumber;
  return message;
}

function fromAwsAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, SqsMessageAttribute> {
  const converted: Record<string, SqsMessageAttribute> = {};
  if (attributes === undefined) return converted;
  for (const [name, value] of Object.entries(attributes)) {
    const attribute: { -readonly [K in keyof SqsMessageAttribute]: SqsMessageAttribute[K] } = { dataType: value.DataType ?? 'String' };
    if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
    const binary = toBytes(value.BinaryValue);
    if (binary !== undefined) attribute.binaryValue = Buffer.from(binary).toString('base64');
    converted[name] = attribute;
  }
  return converted;
}

/** Message attributes back in the AWS shape, to forward a message (dead-letter queue). */
export function toAwsAttributes(attributes: Readonly<Record<string, SqsMessageAttribute>>): Record<string, MessageAttributeValue> {
  const converted: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const attribute: MessageAttributeValue = { DataType: value.dataType };
    if (value.stringValue !== undefined) attribute.StringValue = value.stringValue;
    if (value.binaryValue !== undefined) attribute.BinaryValue = Buffer.from(value.binaryValue, 'base64');
    converted[name] = attribute;
  }
  return converted;
}

// Some SQS-compatible servers return bytes as an index-keyed object instead of base64.
function toBytes(value: unknown): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (typeof value === 'object') return Uint8Array.from(Object.values(value as Record<string, number>));
  return undefined;
}
