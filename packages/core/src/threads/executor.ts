import type { ParcelOutcome } from '../bulk/iterator-rule.js';
import type { Parcel } from '../bulk/parcel.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';

/** What became of a parcel, and how long the handler side was busy with it (decoding and handling, not queueing). */
export interface ParcelResult {
  readonly outcome: ParcelOutcome;
  readonly busyMs: number;
  /** The pool thread that ran it (undefined inline or when the thread was lost). */
  readonly threadId?: number | undefined;
}

/** Which messages of a `get()` result can be sent to the executor, and how. */
export interface Admission<M> {
  /** The messages to dispatch (the same array when all were admitted). */
  readonly admitted: readonly M[];
  /** Messages that cannot be handled here, with the error to fail them with. */
  readonly rejected: ReadonlyArray<{ readonly messages: M[]; readonly error: unknown }>;
  /** Some admitted message must cross as structured data rather than JSON. */
  readonly structured: boolean;
}

/**
 * Runs handlers: inline on the main thread, or on a pool of worker threads.
 * `run()` never rejects: a parcel whose thread died, timed out or was stopped
 * by shutdown resolves as lost, with how far it got.
 */
export interface Executor<M> {
  /** Loads the handler (pool threads: probes the module) so a bad module fails `start()`. */
  start(): Promise<void>;
  /** Checks received messages before they are queued (pool threads: can each cross unchanged?). */
  admit(messages: readonly M[]): Admission<M>;
  /**
   * Runs a parcel; `structured` when a message of it must cross as structured
   * data. `traceContext` is what its handler calls see as `bulk.traceContext`.
   */
  run(parcel: Parcel<M>, structured: boolean, traceContext?: TraceCarrier): Promise<ParcelResult>;
  /** Waits for running parcels, then frees threads. */
  close(): Promise<void>;
  /** Stops at once: running parcels resolve as lost with a `ShutdownError`. */
  destroy(): Promise<void>;
  /**
   * Inline only: true once bulks have run and the handler returned no promise
   * for any of them. Several bulks may then share a parcel: they run back to
   * back anyway, and one parcel queues and settles once for all of them.
   */
  readonly synchronousHandler?: boolean;
}
