import type { WireError } from './wire-error.js';
import type { PayloadFormat } from './wire-format.js';

/** Given to a poller thread at creation. */
export interface PollerThreadData {
  readonly module: string;
  readonly export: string;
  readonly options: unknown;
  readonly poller: number;
  readonly bulkSize: number;
}

/** A bulk as it leaves a poller thread: its messages encoded (JSON, or structured when JSON would alter them). */
export interface EncodedBulk {
  readonly bulkId: number;
  readonly count: number;
  readonly payload: Uint8Array;
  readonly format: PayloadFormat;
}

export type ToPollerThread =
  | { readonly type: 'get'; readonly requestId: number; readonly maxMessages: number }
  | { readonly type: 'abort'; readonly requestId: number }
  | {
      readonly type: 'settle';
      readonly requestId: number;
      readonly kind: 'cleanup' | 'release';
      readonly refs: readonly number[];
      readonly error?: WireError;
    }
  /** Encode these messages alone (a suspect re-run, a bulk cut other than the thread cut it): they are still held here. */
  | { readonly type: 'encode'; readonly requestId: number; readonly refs: readonly number[] }
  /** Main gave up settling these (the source delivers them again): stop holding them. No answer. */
  | { readonly type: 'forget'; readonly refs: readonly number[] }
  | { readonly type: 'close'; readonly requestId: number };

export type FromPollerThread =
  | { readonly type: 'ready' }
  | { readonly type: 'loadError'; readonly error: WireError }
  | { readonly type: 'got'; readonly requestId: number; readonly bulks: readonly EncodedBulk[] }
  | { readonly type: 'encoded'; readonly requestId: number; readonly payload: Uint8Array; readonly format: PayloadFormat }
  | { readonly type: 'failed'; readonly requestId: number; readonly error: WireError }
  | { readonly type: 'done'; readonly requestId: number };
