import type { BulkReport } from '../bulk.js';
import type { WireError } from './wire-error.js';

/** Given to every pool thread at creation. */
export interface PoolWorkerData {
  readonly handlerModule: string;
  readonly handlerExport: string;
  readonly initializer: string | undefined;
}

/** One task: a parcel of bulks, as one JSON string or structured-cloned; or a probe that only loads the handler. */
export type PoolTask =
  | { readonly kind: 'json'; readonly payload: string }
  | { readonly kind: 'clone'; readonly bulks: readonly (readonly unknown[])[] }
  /** Bulks a poller thread encoded: one JSON array per bulk, as UTF-8 bytes (transferred). */
  | { readonly kind: 'bytes'; readonly payloads: readonly Uint8Array[] }
  | { readonly kind: 'probe' };

/** A probe's answer: `error` when the handler module cannot be used. */
export type PoolProbeResult = { readonly error?: WireError };

export type PoolTaskResult = BulkReport<WireError>[] | PoolProbeResult;
