/**
 * What a source says about itself, for telemetry (`Source.describe()`): the
 * broker and the queue it reads, named as OpenTelemetry's messaging semantic
 * conventions name them.
 */
export interface SourceDescription {
  /**
   * `messaging.system`: `'aws_sqs'`, `'rabbitmq'` (OpenTelemetry's well-known
   * values), `'redis'`, `'nats'`, `'postgresql'`, `'sqlite'` (the file queue),
   * `'memory'`, or your own for a source you write.
   */
  readonly system: string;
  /** `messaging.destination.name`: the queue, list, stream, table or folder the source reads. */
  readonly destination: string;
}
