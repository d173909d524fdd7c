/** How one handler run ended, in a form that crosses thread boundaries. */
export interface BulkReport<E = unknown> {
  /** Messages taken from the iterator. */
  readonly taken: number;
  /** Present when the handler threw (or rejected). */
  readonly thrown?: { readonly error: E };
  /** Messages marked with `bulk.fail()`: index in the bulk and reason. */
  readonly marked: ReadonlyArray<readonly [index: number, reason: E]>;
}

/**
 * How a parcel went: undefined when every message was consumed (the common
 * case costs no report), else one entry per bulk, undefined for the bulks
 * fully consumed.
 */
export type ParcelReports = readonly (BulkReport | undefined)[] | undefined;

/** One group of failed messages sharing a reason. */
export interface FailedGroup<M> {
  readonly messages: M[];
  readonly error: unknown;
}

/** What the iterator rule decided for some messages: which are consumed, which failed and why. */
export interface Settlement<M> {
  readonly consumed: M[];
  readonly failed: FailedGroup<M>[];
}
