import type { BulkReport } from '../bulk/bulk-report.js';
import type { WireError } from './wire-error.js';
import type { WireParcel } from './wire-format.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';

/**
 * Where a pool thread finds its handler: an export of a handler module, or the
 * `handler` of a source class (static, or of an instance built from `options`).
 */
export type HandlerSpec =
  | { readonly kind: 'module'; readonly module: string; readonly export: string }
  | { readonly kind: 'source'; readonly module: string; readonly export: string; readonly options: unknown };

/** When a pool thread asks to be replaced: after `maxBulks` bulks, or once its heap is over `maxHeapMb` (0: never). */
export interface RecycleRule {
  readonly maxBulks: number;
  readonly maxHeapMb: number;
  /**
   * Shared with main, one slot per thread (threadId modulo its length): a
   * thread sets its slot before it answers its last task, so main never gives
   * it another one and replaces it when idle.
   */
  readonly table: SharedArrayBuffer;
}

/** Why a pool thread asked to be replaced (its slot's value in the recycle table). */
export type RecycleReason = 'bulks' | 'heap';
export const recycleCodes: Readonly<Record<RecycleReason, number>> = { bulks: 1, heap: 2 };

/** Given to every pool thread at creation. */
export interface PoolWorkerData {
  readonly handler: HandlerSpec;
  readonly initializer: string | undefined;
  readonly recycle: RecycleRule;
  /** Main enforces `handlerTimeout`: each bulk publishes when it started (a clock read a bulk, otherwise saved). */
  readonly timedBulks: boolean;
}

/**
 * One task: a parcel as it crosses (`wire`) with its shared progress slots
 * (`parcel-progress.ts`), or a probe that only loads the handler.
 */
export type PoolTask =
  | {
      readonly kind: 'parcel';
      readonly wire: WireParcel;
      readonly progress: SharedArrayBuffer;
      /** The parcel's trace context (a tracing metrics adapter): the handler sees it as `bulk.traceContext`. */
      readonly traceContext?: TraceCarrier;
      /** Key chains of ordered lanes (`Parcel.after`). */
      readonly after?: Int32Array;
    }
  | { readonly kind: 'probe' }
  /** One synthetic parcel through the per-parcel path and back (`warm-up.ts`): never the user's handler. */
  | { readonly kind: 'warm-up' };

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
  /** This was the thread's last task: replace it. */
  readonly recycle?: RecycleReason;
}

export type PoolTaskResult = PoolParcelResult | PoolProbeResult;

/**
 * What a pool thread posts on its own (outside any task): an uncaught error of
 * work that no running parcel started, which no bulk can be blamed for any more.
 */
export interface PoolThreadNotice {
  readonly conveyorUncaught: WireError;
  readonly threadId: number;
}
