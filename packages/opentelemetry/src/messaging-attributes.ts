import type { Attributes } from '@opentelemetry/api';
import type { SourceDescription } from '@conveyor/core';

/** The kinds of operation of OpenTelemetry's messaging conventions that a consumer performs. */
export type MessagingOperationType = 'receive' | 'process' | 'settle';

/**
 * The attributes of one kind of operation, per OpenTelemetry's messaging
 * semantic conventions: `messaging.system` and `messaging.destination.name`
 * from the source (`Source.describe()`), then `messaging.operation.type` and
 * `messaging.operation.name`, then the user's `attributes`, which win.
 */
export function messagingAttributes(
  description: SourceDescription | undefined,
  type: MessagingOperationType,
  name: string,
  user: Attributes,
): Attributes {
  return {
    ...(description === undefined ? {} : { 'messaging.system': description.system, 'messaging.destination.name': description.destination }),
    'messaging.operation.type': type,
    'messaging.operation.name': name,
    ...user,
  };
}
