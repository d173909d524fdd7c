/** A request as a `ShardedSource` delivers it to a Consumer (plain data: it crosses to pool threads). */
export interface ShardedMessage<R = unknown> {
  /** Registered name of the handler the request was registered for. */
  readonly handler: string;
  /** `handler/thread`: requests of one thread are delivered one lease at a time, in order. */
  readonly thread: string;
  /** `handler/thread/priority`: one delivery never mixes tubes. */
  readonly tube: string;
  readonly request: R;
  /** Which delivery (one `get()`) this message belongs to. */
  readonly lease: number;
  /** Position in that delivery. */
  readonly index: number;
}
