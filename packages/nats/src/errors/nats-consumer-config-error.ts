import { ConveyorError } from '@conveyor/core';

/** One setting of an existing JetStream consumer that contradicts the source's options. */
export interface ConsumerConfigDifference {
  /** The JetStream config field (`ack_policy`, `ack_wait`, `filter_subject`...). */
  readonly field: string;
  /** What the options ask for. */
  readonly expected: string;
  /** What the consumer has. */
  readonly actual: string;
}

/**
 * The durable consumer the source was bound to exists with a config that
 * contradicts the options (a push consumer, another ack policy, a `max_deliver`
 * that would stop deliveries before `maxReceiveCount`...). The source never
 * changes an existing consumer: fix the options or the consumer.
 */
export class NatsConsumerConfigError extends ConveyorError {
  readonly stream: string;
  readonly consumer: string;
  readonly differences: readonly ConsumerConfigDifference[];

  constructor(stream: string, consumer: string, differences: readonly ConsumerConfigDifference[]) {
    const list = differences.map((difference) => `${difference.field}: expected ${difference.expected}, found ${difference.actual}`);
    super('NATS_CONSUMER_CONFIG', `JetStream consumer ${stream}/${consumer} contradicts the source's options: ${list.join('; ')}`);
    this.stream = stream;
    this.consumer = consumer;
    this.differences = Object.freeze([...differences]);
  }
}
