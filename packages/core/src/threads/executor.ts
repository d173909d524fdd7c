import type { ParcelReports } from '../bulk/bulk-report.js';
import type { Parcel } from '../bulk/parcel.js';

/** A parcel's reports, and how long the handler side was busy with it (decoding and handling, not queueing). */
export interface ParcelResult {
  readonly reports: ParcelReports;
  readonly busyMs: number;
  /** The pool thread that ran it (undefined inline). */
  readonly threadId?: number | undefined;
}

/**
 * Runs handlers: inline on the main thread, or on a pool of worker threads.
 * `run()` resolves with the parcel's reports, or rejects when the parcel was
 * lost (a pool thread died): the iterator rule then fails what was not reported done.
 */
export interface Executor<M> {
  /** Loads the handler (pool threads: probes the module) so a bad module fails `start()`. */
  start(): Promise<void>;
  run(parcel: Parcel<M>): Promise<ParcelResult>;
  /** Waits for running parcels, then frees threads. */
  close(): Promise<void>;
  /** Stops at once: running parcels reject. */
  destroy(): Promise<void>;
}
