import type { BulkReport } from '../bulk.js';

/**
 * Runs handlers. A parcel is several bulks sent together (one task on a pool
 * thread); the executor returns one report per bulk, or rejects when the whole
 * parcel was lost (a pool thread died), in which case every message of it failed.
 */
export interface Executor<M> {
  /** Loads the handler (pool threads: probes the module) so a bad module fails `start()`. */
  start(): Promise<void>;
  run(parcel: readonly (readonly M[])[]): Promise<BulkReport[]>;
  /** Waits for running parcels, then frees threads. */
  close(): Promise<void>;
  /** Stops at once: running parcels reject. */
  destroy(): Promise<void>;
}
