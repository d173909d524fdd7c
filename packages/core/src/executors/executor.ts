import type { BulkReport } from '../bulk.js';

/**
 * Several bulks sent to the executor together: one flat array of messages and
 * the size of each bulk in it. On a pool thread a parcel is one task, so the
 * thread hop is paid per parcel; the handler still runs once per bulk.
 */
export interface Parcel<M> {
  readonly messages: readonly M[];
  readonly bulkSizes: readonly number[];
}

/**
 * How a parcel went: undefined when every message was consumed (the common
 * case costs no report), else one entry per bulk, undefined for the bulks
 * fully consumed.
 */
export type ParcelReports = readonly (BulkReport | undefined)[] | undefined;

/** A parcel's reports, and how long the handler side was busy with it (decoding and handling, not queueing). */
export interface ParcelResult {
  readonly reports: ParcelReports;
  readonly busyMs: number;
  /** The pool thread that ran it (undefined inline). */
  readonly threadId?: number | undefined;
}

/**
 * Runs handlers. The executor resolves with the parcel's reports, or rejects
 * when the whole parcel was lost (a pool thread died): every message of it failed.
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
