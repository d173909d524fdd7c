/** A snapshot of what the consumer is doing (`consumer.stats`). */
export interface ConsumerStats {
  readonly state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped';
  /** Pollers are held by `pause()`. */
  readonly paused: boolean;
  /** Messages received and not settled yet. */
  readonly inFlight: number;
  /** The in-flight limit now: `maxInFlight` when it was given, else where the flight window has moved it. */
  readonly inFlightLimit: number;
  /** Bulks waiting for a handler slot. */
  readonly pendingBulks: number;
  readonly pollersAlive: number;
  readonly pollerRestarts: number;
  readonly poolThreads: number;
  readonly received: number;
  readonly consumed: number;
  readonly failed: number;
}

/** Options of `consumer.supervise()`. */
export interface SuperviseOptions {
  /** Resolve only when the consumer shuts down; SIGINT and SIGTERM then shut it down gracefully. @default false */
  blocking?: boolean;
  /** Milliseconds between two health checks. @default 1000 */
  pollInterval?: number;
}
