import type { Handler } from '../bulk/handler.js';
import type { SourceDescription } from './source-description.js';
import type { TraceCarrier } from './trace-carrier.js';

/** A hint the consumer gives `get()`: how many messages it can take right now. */
export interface GetHint {
  /** Messages the consumer can accept before `maxInFlight` is reached (at least 1). */
  readonly maxMessages: number;
}

/** One look at a source's queue, without consuming: what `inspect()` answers. */
export interface SourceDepth {
  /** Messages waiting to be delivered (approximate where the broker is). */
  readonly waiting: number;
  /** Messages delivered and not settled yet, where the source can tell. */
  readonly inFlight?: number;
  /** Messages in the dead letters, where the source has them. */
  readonly deadLetters?: number;
  /**
   * Age in milliseconds of the oldest message waiting (since it was sent), where
   * the source can tell cheaply; 0 when none waits.
   */
  readonly oldestAgeMs?: number | undefined;
}

/**
 * What a `release()` may tell the consumer: which of the messages it moved to
 * the dead letters (ordered lanes then move on to the key's next message).
 */
export interface ReleaseReport<M> {
  readonly deadLettered: readonly M[];
}

/**
 * Anything messages can be pulled from. A user class with `get`, `cleanup` and
 * `handler` methods is a Source; so are the built-in SQS, Redis, memory and file sources.
 */
export interface Source<M> {
  /** Returns one bulk of messages, possibly empty; may long-poll until `signal` aborts. */
  get(signal: AbortSignal, hint: GetHint): Promise<readonly M[]> | readonly M[];
  /** Acknowledges (deletes) the messages that were consumed successfully. */
  cleanup?(consumed: M[]): Promise<void> | void;
  /**
   * Gives failed messages back to the source, instead of waiting for a timeout.
   * `error` says why. When the handler never received them (`isUncharged(error)`
   * from `@conveyor/core/kit`: not taken from the bulk, a later bulk of a lost
   * parcel, unstarted at shutdown), a source that counts receives puts them back
   * at once and does not count that delivery; otherwise the failure is charged:
   * the message comes back after a backoff, or goes to the dead letters.
   */
  release?(failed: M[], error: unknown): Promise<void | ReleaseReport<M>> | void | ReleaseReport<M>;
  /**
   * The consumer gave up settling these messages: `cleanup` or `release` kept
   * throwing for `settleAttempts` calls. A source that holds something for them
   * until they are settled (an open delivery, a lease) lets go of it, so that
   * they come back as its broker brings them back (a requeue, a lapsed lease)
   * rather than stay held for good. Must not throw.
   */
  forget?(messages: M[]): void;
  /** The handler used when the consumer options give none (run inline). */
  handler?: Handler<M>;
  /**
   * Lease-based sources: milliseconds a delivery stays invisible unless renewed
   * (undefined while not known yet). With `extend`, the consumer's lease keeper
   * renews every message it holds before its lease lapses.
   */
  leaseDuration?(): number | undefined;
  /**
   * Renews the leases of these delivered, unsettled messages for another
   * `leaseDuration()` from now, in as few broker calls as it can; messages
   * settled or expired meanwhile are skipped.
   */
  extend?(messages: M[]): Promise<void> | void;
  /**
   * The key whose messages must run one at a time, in arrival order (an SQS
   * message group, a sharded thread); the consumer's `orderingKey` option overrides it.
   */
  orderingKey?(message: M): string | number | undefined;
  /**
   * Every message this source delivers is plain JSON data (strings, finite
   * numbers, booleans, null, plain arrays and objects, no `undefined` fields),
   * so the consumer may skip checking that each one crosses to a pool thread
   * unchanged (the wire check). Only for sources whose messages are built from
   * text or parsed JSON by construction (a `-0` parsed from a JSON body would
   * arrive as `0`). @default false
   */
  readonly plainJsonMessages?: boolean;
  /**
   * Names the broker and the queue for telemetry (`messaging.system`,
   * `messaging.destination.name`); called once when the consumer starts.
   */
  describe?(): SourceDescription;
  /**
   * The trace context the producer put on this message (W3C `traceparent`, for
   * example an SQS message attribute), if any: process spans link to it. Called
   * only when a tracing metrics adapter is attached; must be cheap.
   */
  traceContext?(message: M): TraceCarrier | undefined;
  /** Tells how deep the queue is (for lag displays and metrics); optional. */
  inspect?(): Promise<SourceDepth> | SourceDepth;
  /** Frees the source's resources; called once by `Consumer.shutdown()`. */
  close?(): Promise<void> | void;
}

/**
 * A source given as a module, so it can be constructed inside poller threads.
 * The export is a factory `(options) => Source` or a class `new (options) => Source`.
 */
export interface SourceModule {
  /** Path or URL of the module. */
  readonly module: string | URL;
  /** The export to use. @default 'default' */
  readonly export?: string;
  /** Passed to the factory; must survive structured cloning. */
  readonly options?: unknown;
}
