import type { BulkReport } from '../bulk/bulk-report.js';
import type { WireError } from './wire-error.js';

/** Given to every pool thread at creation. */
export interface PoolWorkerData {
  readonly handlerModule: string;
  readonly handlerExport: string;
  readonly initializer: string | undefined;
}

/**
 * One task: a parcel's messages as one JSON array string or structured-cloned,
 * with the size of each bulk; or bulks a poller thread encoded (one JSON array
 * per bulk, as UTF-8 bytes, transferred); or a probe that only loads the handler.
 */
export type PoolTask =
  | { readonly kind: 'json'; readonly payload: string; readonly bulkSizes: readonly number[]; readonly progress?: Int32Array }
  | { readonly kind: 'clone'; readonly messages: readonly unknown[]; readonly bulkSizes: readonly number[]; readonly progress?: Int32Array }
  | { readonly kind: 'bytes'; readonly payloads: readonly Uint8Array[]; readonly progress?: Int32Array }
  | { readonly kind: 'probe' };

/*
 * `progress` (shared memory, parcels of several bulks only): the thread stores
 * how many leading bulks it fully consumed, so a thread that dies mid-parcel
 * fails only the bulk it was in and those after it.
 */

/** A probe's answer: `error` when the handler module cannot be used. */
export type PoolProbeResult = { readonly error?: WireError };

/**
 * `reports` is null when every message of the parcel was consumed, else one
 * entry per bulk (null: fully consumed); `busyMs` is the thread's time on it.
 */
export interface PoolParcelResult {
  readonly reports: (BulkReport<WireError> | null)[] | null;
  readonly busyMs: number;
  readonly threadId: number;
}

export type PoolTaskResult = PoolParcelResult | PoolProbeResult;
