/** Waiting messages of one thread of a sharded queue. */
export interface ShardThreadStats {
  /** `handler/thread`. */
  readonly thread: string;
  /** Messages in all its tubes (a batch being handled stays in its tube until settled). */
  readonly waiting: number;
  /** Whether a worker holds the thread's lock right now. */
  readonly locked: boolean;
  /** Its non-empty tubes (`handler/thread/priority`), most urgent first. */
  readonly tubes: readonly { readonly tube: string; readonly waiting: number }[];
}

/** One look at a queue, taken without consuming from it. */
export interface QueueStats {
  /** The source URL, password hidden. */
  readonly source: string;
  /** 'source': read through the running consumer's own `source.inspect()`. */
  readonly kind: 'sqs' | 'redis-list' | 'redis-sharded' | 'file' | 'nats' | 'postgres' | 'rabbitmq' | 'source';
  /** Messages waiting to be delivered (SQS: approximate, as SQS counts). */
  readonly waiting: number;
  /** Messages delivered and not settled yet; `undefined` where the queue cannot tell. */
  readonly inFlight: number | undefined;
  /** Messages in the dead letters; `undefined` where the queue has none configured. */
  readonly deadLetters: number | undefined;
  /** Age of the oldest message waiting (ms), where the queue can tell. */
  readonly oldestAgeMs?: number | undefined;
  /** Further counts and facts of this kind of queue, by name. */
  readonly details: Readonly<Record<string, number | string>>;
  /** Sharded queues: the non-empty threads, fullest first. */
  readonly threads?: readonly ShardThreadStats[];
}

/** Looks at one queue again and again (the `run` lag line) or once (`stats`). */
export interface QueueInspector {
  read(): Promise<QueueStats>;
  close(): Promise<void>;
}
