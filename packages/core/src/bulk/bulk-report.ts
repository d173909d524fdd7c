/** How one handler run ended, in a form that crosses thread boundaries. */
export interface BulkReport<E = unknown> {
  /** Messages taken from the iterator. */
  readonly taken: number;
  /** Present when the handler threw (or rejected). */
  readonly thrown?: { readonly error: E };
  /** Messages marked with `bulk.fail()`: index in the bulk and reason. */
  readonly marked: ReadonlyArray<readonly [index: number, reason: E]>;
  /** The handler took the bulk as one unit (`bulk.all()`): if it threw, every message failed. */
  readonly unit?: true;
  /** An uncaught error escaped work this bulk's handler started: the messages it took are suspects. */
  readonly uncaught?: { readonly error: E };
}

/**
 * How a parcel went: undefined when every message was consumed (the common
 * case costs no report), else one entry per bulk, undefined for the bulks
 * fully consumed.
 */
export type ParcelReports = readonly (BulkReport | undefined)[] | undefined;

/** How far a parcel got before it was lost, as its pool thread published it. */
export interface ParcelProgress {
  /** Leading bulks fully consumed. */
  readonly completedBulks: number;
  /** The bulk that was running (the number of bulks when all had run and the report was lost). */
  readonly currentBulk: number;
  /** Messages taken from the bulk in progress. */
  readonly taken: number;
  /** The bulk in progress was taken as one unit (`bulk.all()`). */
  readonly unit: boolean;
}

/** One group of failed messages sharing a reason. */
export interface FailedGroup<M> {
  readonly messages: M[];
  readonly error: unknown;
}

/** What the iterator rule decided for some messages: which are consumed, which failed and why. */
export interface Settlement<M> {
  readonly consumed: M[];
  readonly failed: FailedGroup<M>[];
  /**
   * Messages of a bulk whose handler killed its thread or let an uncaught error
   * escape: not settled yet, they are handled again one by one (isolation), so
   * only the one that fails alone is charged.
   */
  readonly suspects: M[];
  /**
   * Messages of a key chain that never ran because their key's message before
   * them did not succeed (`KeyChains`): neither consumed nor failed, they stay
   * with the consumer and go back to their lane, behind it.
   */
  readonly held?: M[];
}
